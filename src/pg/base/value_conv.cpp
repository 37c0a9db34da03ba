#include "pg/base/value_conv.h"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
}

namespace lspg {

ValueConv value_conv_for(Oid type) {
    switch (getBaseType(type)) {
        case FLOAT8OID: return ValueConv::F8;
        case FLOAT4OID: return ValueConv::F4;
        case INT2OID: return ValueConv::I2;
        case INT4OID: return ValueConv::I4;
        case INT8OID: return ValueConv::I8;
        case NUMERICOID: return ValueConv::Num;
        case BOOLOID: return ValueConv::Bool;
        case TEXTOID:
        case VARCHAROID:
        case BPCHAROID: return ValueConv::Text;
        case NAMEOID: return ValueConv::Name;
        case UNKNOWNOID:
        case CSTRINGOID: return ValueConv::CString;
        default: return ValueConv::Unsupported;
    }
}

}  // namespace lspg
