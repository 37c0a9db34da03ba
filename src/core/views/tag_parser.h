// Parsing of the hashtag-change comments of users_logs (the 1T scoring specification) and the
// tag-set arithmetic built on them (learning format, payment, completion, and
// the fold that gives the tag set in force after a sequence of changes).
//
// Recognised shapes (keywords are matched case-insensitively by stem, tags are
// tokens starting with '#'):
//   "Были хештеги: #a #b, стали: #a #c"      full form: before {#a,#b}, after {#a,#c}
//   "Были хештеги: , стали: #онлайн"          empty before-set
//   "Установлен хештег "#онлайн" -- ..."      delta form: tags added (before not stated)
//   "Удален хештег "#офлайн""                 delta form: tags removed
// Separators: any Unicode white space (NBSP included), , ; : quotes «» “” ()
// and invalid UTF-8 bytes. "#a#b" is two tags. Duplicates are dropped (first
// spelling kept); order is the comment's order.
//
// Normalisation: the learning-format tags are rewritten to their canonical
// text — '#онлайн' for #онлайн/#оулайн/#оглайн/#онлаин/#online (any case, ё/е,
// Latin look-alike letters), '#офлайн' for #офлайн/#оффлайн/#офлаин/#offline.
// Every other tag keeps its spelling (only trailing . ! ? … are trimmed).
//
// A comment with neither a "стали" part nor an add/remove keyword followed by
// tags is not a tag change: kind == None (SQL: NULL).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace ls::tags {

using TagList = std::vector<std::string>;

enum class ChangeKind {
    None,     // not a tag change (or malformed): SQL NULL
    FullSet,  // "... стали: ..." — tags_after is the complete set in force
    Delta     // "Установлен / Удален хештег ..." — only additions/removals known
};

struct TagChange {
    ChangeKind kind = ChangeKind::None;
    bool has_before = false;  // the comment states the before-set ("Были ...")
    TagList before;           // meaningful when has_before
    TagList after;            // FullSet: the whole set; Delta: the tags added
    TagList added;            // after − before (FullSet) or the tags set (Delta)
    TagList removed;          // before − after (FullSet) or the tags unset (Delta)
};

TagChange parse_tag_change(std::string_view comment);

// Canonical form of one tag (see above); a string not starting with '#' is
// returned unchanged.
std::string normalize_tag(std::string_view tag);

enum class Format { Unknown, Online, Offline };
// Online when the set holds an online tag and no offline tag; Offline in the
// opposite case; Unknown when it holds neither or both. Tags are normalised
// first, so raw spellings (typos) are understood.
Format learning_format(const TagList& tags);

// Modules whose tag '#M<n>-<status>' is in the set ('M' Latin or Cyrillic, any
// case), sorted and distinct; status e.g. "оплачен" (paid), "завершил" (finished).
std::vector<int> modules_with_status(const TagList& tags, std::string_view status);
// True when some tag ends in "-оплачен" (paid), case-insensitively (docs/features.md).
bool has_payment(const TagList& tags);

// The fold "tag set in force after a sequence of changes" as a monoid, so it
// can be an ordered aggregate with a combine function. A state is either a
// known full set (full == true, present = the set) or a pending delta
// (present = tags added, removed = tags removed) to be applied to whatever
// came before. Encoded as text[]: an optional leading "=" marks a full set,
// "#x" a present tag, "-#x" a removed tag.
struct TagState {
    bool full = false;
    TagList present;
    TagList removed;
};
void apply_change(TagState& state, const TagChange& change);
// `a` then `b` (associative; identity = empty delta).
TagState combine(const TagState& a, const TagState& b);
TagList encode_state(const TagState& s);
TagState decode_state(const TagList& encoded);
// The tag set a state stands for, taking an unknown start as the empty set.
inline const TagList& state_tags(const TagState& s) { return s.present; }

}  // namespace ls::tags
