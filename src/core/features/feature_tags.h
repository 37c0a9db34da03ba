// Minimal hashtag tracking for the `payment` feature: only what the engine
// needs (is a paid tag in force?), kept apart from the full tag parser of the
// analyst views. Rules (mirrored by the SQL reference):
//  * a tag is a maximal run of non-separator bytes that starts with '#';
//    separators are ASCII white space, ',', '"', '«', '»';
//  * a comment containing "стали:" replaces the tag set by the tags after the
//    first "стали:" (the "before" part is ignored);
//  * otherwise a comment starting (after white space) with "Установлен"
//    adds its tags; any other comment changes nothing;
//  * a paid tag ends with "-оплачен" (e.g. #M1-оплачен).
#pragma once
#include <string>

namespace ls::features {

class PaymentTracker {
public:
    void apply(const std::string& comment);
    bool paid() const { return paid_; }
    void reset() { paid_ = false; }

    // Whether the text contains a paid tag under the tokenization above.
    static bool has_paid_tag(const std::string& text, std::size_t from = 0);

private:
    bool paid_ = false;
};

}  // namespace ls::features
