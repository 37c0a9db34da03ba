// Tag-change comment parser and tag-set arithmetic (see tag_parser.h).
#include "core/views/tag_parser.h"

#include <algorithm>
#include <cstdint>
#include <unordered_set>

#include "core/base/interrupt.h"

namespace ls::tags {

namespace {

constexpr char32_t kInvalid = 0xFFFFFFFF;

// Decodes one UTF-8 code point at s[i], advancing i; returns kInvalid for a
// malformed sequence (and advances by one byte), never reads past the end.
char32_t decode(std::string_view s, size_t& i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
        ++i;
        return b0;
    }
    int len = 0;
    char32_t cp = 0;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2;
        cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3;
        cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4;
        cp = b0 & 0x07;
    } else {
        ++i;
        return kInvalid;
    }
    if (i + len > s.size()) {
        ++i;
        return kInvalid;
    }
    for (int k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) {
            ++i;
            return kInvalid;
        }
        cp = (cp << 6) | (b & 0x3F);
    }
    // Reject overlong forms, surrogates and out-of-range values.
    static const char32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        ++i;
        return kInvalid;
    }
    i += len;
    return cp;
}

bool is_separator(char32_t c) {
    if (c == kInvalid) return true;
    if (c <= 0x20 || c == 0x7F) return true;  // ASCII controls and space
    switch (c) {
        case ',': case ';': case ':': case '"': case '\'': case '(': case ')': case '[': case ']':
        case '{': case '}': case '`':
        case 0x00A0: case 0x0085: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
        case 0x3000: case 0xFEFF: case 0x00AB: case 0x00BB: case 0x201C: case 0x201D: case 0x201E:
        case 0x2018: case 0x2019: case 0x201A:
            return true;
        default:
            return (c >= 0x80 && c <= 0x9F) || (c >= 0x2000 && c <= 0x200B);
    }
}

char32_t lower(char32_t c) {
    if (c >= 'A' && c <= 'Z') return c + 32;
    if (c >= 0x0410 && c <= 0x042F) return c + 32;  // А..Я
    if (c >= 0x0400 && c <= 0x040F) return c + 80;  // Ѐ..Џ (Ё → ё)
    return c;
}

// Lower-cased code points of a UTF-8 string (invalid bytes dropped).
std::u32string lower_cps(std::string_view s) {
    std::u32string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        char32_t c = decode(s, i);
        if (c != kInvalid) out += lower(c);
    }
    return out;
}

bool starts_with(const std::u32string& s, const std::u32string& prefix) {
    return s.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), s.begin());
}

// Folding used only to recognise the format tags: ё→е, Latin look-alikes →
// Cyrillic.
char32_t fold_lookalike(char32_t c) {
    static constexpr std::u32string_view kFrom = U"ёaceopxykmhtb";  // folds to the letter
    static constexpr std::u32string_view kTo = U"еасеорхукмнтв";    // at the same position
    const size_t i = kFrom.find(c);
    return i == std::u32string_view::npos ? c : kTo[i];
}

enum class Mode { None, Before, After, Add, Remove };

Mode keyword_mode(const std::u32string& w) {
    static const std::u32string kBefore = U"был", kAfter = U"стал";
    static const std::u32string kAdd[] = {U"установ", U"добав", U"постав", U"назнач"};
    static const std::u32string kRemove[] = {U"удал", U"снят", U"убра"};
    if (starts_with(w, kBefore)) return Mode::Before;
    if (starts_with(w, kAfter)) return Mode::After;
    for (const auto& k : kAdd)
        if (starts_with(w, k)) return Mode::Add;
    for (const auto& k : kRemove)
        if (starts_with(w, k)) return Mode::Remove;
    return Mode::None;
}

// A list with set semantics that keeps insertion order.
class OrderedSet {
public:
    void add(std::string t) {
        if (seen_.insert(t).second) list_.push_back(std::move(t));
    }
    bool contains(const std::string& t) const { return seen_.count(t) != 0; }
    TagList take() { return std::move(list_); }
    const TagList& list() const { return list_; }

private:
    std::unordered_set<std::string> seen_;
    TagList list_;
};

TagList difference(const TagList& a, const TagList& b) {
    std::unordered_set<std::string> bs(b.begin(), b.end());
    TagList out;
    for (const auto& x : a)
        if (!bs.count(x)) out.push_back(x);
    return out;
}

// End of the tag or word continuing at s[i]: the next separator or the next '#'.
size_t token_end(std::string_view s, size_t i) {
    while (i < s.size()) {
        size_t j = i;
        if (const char32_t d = decode(s, j); is_separator(d) || d == '#') break;
        i = j;
    }
    return i;
}

// Strips trailing sentence punctuation from a raw tag token.
std::string_view trim_tag(std::string_view t) {
    while (t.size() > 1) {
        const char c = t.back();
        if (c == '.' || c == '!' || c == '?') {
            t.remove_suffix(1);
        } else if (t.size() >= 4 && t.substr(t.size() - 3) == "\xE2\x80\xA6") {  // …
            t.remove_suffix(3);
        } else {
            break;
        }
    }
    return t;
}

}  // namespace

std::string normalize_tag(std::string_view tag) {
    if (tag.empty() || tag.front() != '#') return std::string(tag);
    // The longest spelling we map ("#оффлаин") is 15 bytes; the shortest 7.
    if (tag.size() > 16 || tag.size() < 7) return std::string(tag);
    const std::u32string low = lower_cps(tag.substr(1));
    if (low == U"online") return "#онлайн";
    if (low == U"offline") return "#офлайн";
    std::u32string f;
    f.reserve(low.size());
    for (char32_t c : low) f += fold_lookalike(c);
    static const std::u32string kOnline[] = {U"онлайн", U"оулайн", U"оглайн", U"онлаин", U"оулаин", U"оглаин"};
    static const std::u32string kOffline[] = {U"офлайн", U"оффлайн", U"офлаин", U"оффлаин"};
    for (const auto& k : kOnline)
        if (f == k) return "#онлайн";
    for (const auto& k : kOffline)
        if (f == k) return "#офлайн";
    return std::string(tag);
}

TagChange parse_tag_change(std::string_view comment) {
    OrderedSet lists[5];  // indexed by Mode
    bool seen_before = false, seen_after = false, seen_delta = false;
    Mode mode = Mode::None;
    InterruptTicker ticker(1 << 16);

    // One pass over the tokens: keywords switch the mode, '#' tokens go to the
    // list of the current mode.
    size_t i = 0;
    const size_t n = comment.size();
    while (i < n) {
        ticker.tick();
        size_t start = i;
        char32_t c = decode(comment, i);
        if (is_separator(c)) continue;
        if (c == '#') {
            const size_t end = token_end(comment, i);
            std::string_view raw = trim_tag(comment.substr(start, end - start));
            if (raw.size() > 1 && mode != Mode::None) lists[static_cast<int>(mode)].add(normalize_tag(raw));
            i = end;
            continue;
        }
        const size_t end = token_end(comment, i);  // a word
        // Keywords are short; only the first few code points matter.
        std::u32string w = lower_cps(comment.substr(start, std::min<size_t>(end - start, 64)));
        Mode m = keyword_mode(w);
        if (m != Mode::None) {
            mode = m;
            if (m == Mode::Before) seen_before = true;
            if (m == Mode::After) seen_after = true;
            if (m == Mode::Add || m == Mode::Remove) seen_delta = true;
        }
        i = end;
    }

    TagChange out;
    if (seen_after) {
        out.kind = ChangeKind::FullSet;
        out.has_before = seen_before;
        out.before = lists[static_cast<int>(Mode::Before)].take();
        out.after = lists[static_cast<int>(Mode::After)].take();
        out.added = out.has_before ? difference(out.after, out.before) : out.after;
        out.removed = out.has_before ? difference(out.before, out.after) : TagList{};
        return out;
    }
    if (seen_delta) {
        TagList add = lists[static_cast<int>(Mode::Add)].take();
        TagList rem = lists[static_cast<int>(Mode::Remove)].take();
        if (add.empty() && rem.empty()) return out;  // keywords but no tag: nothing to apply
        // A tag both set and unset in one comment: the later statement wins;
        // we cannot see the order across lists, so treat it as set.
        rem = difference(rem, add);
        out.kind = ChangeKind::Delta;
        out.after = add;
        out.added = std::move(add);
        out.removed = std::move(rem);
    }
    return out;
}

Format learning_format(const TagList& tags) {
    bool on = false, off = false;
    for (const auto& t : tags) {
        const std::string n = normalize_tag(t);
        if (n == "#онлайн") on = true;
        if (n == "#офлайн") off = true;
    }
    if (on && !off) return Format::Online;
    if (off && !on) return Format::Offline;
    return Format::Unknown;
}

std::vector<int> modules_with_status(const TagList& tags, std::string_view status) {
    const std::u32string want = lower_cps(status);
    std::vector<int> mods;
    for (const auto& t : tags) {
        if (t.size() < 2 || t[0] != '#') continue;
        const std::u32string low = lower_cps(std::string_view(t).substr(1));
        if (low.empty() || (low[0] != U'm' && low[0] != U'м')) continue;
        size_t k = 1;
        long long mod = 0;
        while (k < low.size() && low[k] >= U'0' && low[k] <= U'9' && mod < 1000000) mod = mod * 10 + (low[k++] - U'0');
        if (k == 1 || k >= low.size() || low[k] != U'-') continue;
        if (low.compare(k + 1, std::u32string::npos, want) != 0) continue;
        mods.push_back(static_cast<int>(mod));
    }
    std::sort(mods.begin(), mods.end());
    mods.erase(std::unique(mods.begin(), mods.end()), mods.end());
    return mods;
}

bool has_payment(const TagList& tags) {
    static const std::u32string kPaid = U"-оплачен";
    for (const auto& t : tags) {
        const std::u32string low = lower_cps(t);
        if (low.size() >= kPaid.size() && low.compare(low.size() - kPaid.size(), kPaid.size(), kPaid) == 0) return true;
    }
    return false;
}

void apply_change(TagState& state, const TagChange& change) {
    switch (change.kind) {
        case ChangeKind::None:
            return;
        case ChangeKind::FullSet: {
            TagState next;
            next.full = true;
            next.present = change.after;
            state = std::move(next);
            return;
        }
        case ChangeKind::Delta: {
            TagState d;
            d.present = change.added;
            d.removed = change.removed;
            state = combine(state, d);
            return;
        }
    }
}

TagState combine(const TagState& a, const TagState& b) {
    if (b.full) return b;
    // b is a delta: (X − R_b) ∪ A_b applied after a.
    TagState out;
    out.full = a.full;
    OrderedSet present;
    for (const auto& t : difference(a.present, b.removed)) present.add(t);
    for (const auto& t : b.present) present.add(t);
    out.present = present.take();
    if (!a.full) {
        OrderedSet removed;
        for (const auto& t : a.removed) removed.add(t);
        for (const auto& t : b.removed) removed.add(t);
        out.removed = difference(removed.take(), out.present);
    }
    return out;
}

TagList encode_state(const TagState& s) {
    TagList out;
    out.reserve(s.present.size() + s.removed.size() + 1);
    if (s.full) out.emplace_back("=");
    for (const auto& t : s.present) out.push_back(t);
    if (!s.full)
        for (const auto& t : s.removed) out.push_back("-" + t);
    return out;
}

TagState decode_state(const TagList& encoded) {
    TagState s;
    OrderedSet present, removed;
    for (size_t k = 0; k < encoded.size(); ++k) {
        const std::string& e = encoded[k];
        if (k == 0 && e == "=") {
            s.full = true;
        } else if (!e.empty() && e[0] == '-') {
            removed.add(e.substr(1));
        } else if (!e.empty() && e != "=") {
            present.add(e);
        }
    }
    s.present = present.take();
    if (!s.full) s.removed = difference(removed.take(), s.present);
    return s;
}

}  // namespace ls::tags
