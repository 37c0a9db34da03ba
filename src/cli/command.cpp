#include "cli/command.h"

namespace lscli {

std::vector<Command>& commands() {
    static std::vector<Command> all;
    return all;
}

std::string usage_text(const std::string& synopsis_and_description, const std::vector<OptionSpec>& options) {
    return synopsis_and_description + "\noptions:\n" + format_options(options) + format_options({help_option()});
}

}  // namespace lscli
