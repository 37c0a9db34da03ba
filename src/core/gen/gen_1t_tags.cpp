#include "core/gen/gen_1t_tags.h"

#include <algorithm>

#include "core/gen/gen_1t_time.h"

namespace ls::gen1t {

namespace {

std::string join_tags(const std::vector<std::string>& tags, const char* sep = " ") {
    std::string s;
    for (size_t i = 0; i < tags.size(); ++i) {
        if (i) s += sep;
        s += tags[i];
    }
    return s;
}

// Hashtag log of one learner: keeps the tag set in force and writes the
// platform's comment for each change, in the variants the 1T scoring specification shows.
class TagLog {
public:
    TagLog(Rng& rng, std::vector<TagEvent>& out) : rng_(rng), out_(out) {}
    const std::vector<std::string>& tags() const { return tags_; }
    bool has(const std::string& t) const { return std::find(tags_.begin(), tags_.end(), t) != tags_.end(); }

    void change(long long ts, std::vector<std::string> after) {
        std::string before_s = join_tags(tags_);
        if (after.size() > 2 && rng_.bernoulli(0.15)) std::swap(after[0], after[1]);  // order varies
        std::string after_s = join_tags(after);
        std::string c;
        if (rng_.bernoulli(0.03)) {  // irregular spacing
            c = "Были хештеги:" + before_s + ",  стали:  " + join_tags(after, "  ");
        } else {
            c = "Были хештеги: " + before_s + ", стали: " + after_s;
        }
        out_.push_back({ts, std::move(c)});
        tags_ = std::move(after);
    }
    void set_single(long long ts, const std::string& tag) {  // Установлен хештег "#онлайн"
        out_.push_back({ts, "Установлен хештег \"" + tag + "\""});
        tags_.push_back(tag);
    }
    void add(long long ts, const std::string& tag) {
        auto after = tags_;
        after.push_back(tag);
        change(ts, std::move(after));
    }
    void remove(long long ts, const std::string& tag) {
        auto after = tags_;
        after.erase(std::remove(after.begin(), after.end(), tag), after.end());
        change(ts, std::move(after));
    }
    void replace(long long ts, const std::string& from, const std::string& to) {
        auto after = tags_;
        for (auto& t : after)
            if (t == from) t = to;
        change(ts, std::move(after));
    }

private:
    Rng& rng_;
    std::vector<TagEvent>& out_;
    std::vector<std::string> tags_;
};

// The format tag at enrolment, with the switches and typos of the platform's log.
void enrolment_tags(const Course& C, Rng& r, const Learner& L, TagLog& tl) {
    long long enrol_day = L.kind == Kind::LateJoiner ? C.start_day + L.join_day - r.integer(1, 3)
                                                     : C.start_day - r.integer(3, 25);
    long long ts = random_time_of_day(r, enrol_day * kDay, 9, 20);
    double v = r.uniform();
    if (L.offline) {
        if (v < 0.3) {
            tl.set_single(ts, "#офлайн");
        } else if (v < 0.75) {
            tl.change(ts, {"#entry-email", "#офлайн"});
        } else {  // enrolled online, switched to offline before the start
            tl.change(ts, {"#entry-email", "#онлайн"});
            tl.replace(ts + r.integer(3600, 3 * 86400), "#онлайн", "#офлайн");
        }
    } else {
        if (v < 0.4) {
            tl.set_single(ts, "#онлайн");
        } else if (v < 0.85) {
            tl.change(ts, {"#entry-email", "#онлайн"});
        } else if (v < 0.95) {  // typo spellings of "online"; half get corrected
            std::string typo = r.bernoulli(0.5) ? "#оулайн" : "#оглайн";
            tl.change(ts, {"#entry-email", typo});
            if (r.bernoulli(0.5)) tl.replace(ts + r.integer(3600, 2 * 86400), typo, "#онлайн");
        } else {  // enrolled offline, switched to online before the start (the specification's example)
            tl.change(ts, {"#entry-email", "#офлайн"});
            tl.replace(ts + r.integer(3600, 2 * 86400), "#офлайн", "#онлайн");
        }
    }
}

// Tags during the course: unknown ones, module-1 payment, completion.
void course_tags(const Course& C, Rng& r, const Learner& L, TagLog& tl) {
    if (r.bernoulli(0.2)) {  // unknown tags that come and go
        long long t1 = (C.start_day + r.integer(1, 60)) * kDay + r.integer(9 * 3600, 20 * 3600);
        tl.add(t1, r.bernoulli(0.5) ? "#мотив" : "#сверка-дат");
        if (tl.has("#сверка-дат") && r.bernoulli(0.6)) tl.remove(t1 + r.integer(5, 20) * kDay, "#сверка-дат");
    }
    // Payment of module 1: more likely for motivated learners who started.
    bool started = L.kind != Kind::NoShow;
    if (started && r.bernoulli(sigmoid(-0.4 + 0.8 * L.motivation))) {
        long long t2 = (C.start_day + L.join_day + r.integer(2, 30)) * kDay + r.integer(9 * 3600, 20 * 3600);
        tl.add(t2, "#M1-оплачен");
    }
    if (L.completed && L.m2_attestation_ts > 0) {
        long long t3 = L.m2_attestation_ts + r.integer(1, 3) * kDay;
        if (r.bernoulli(0.8)) tl.add(t3, "#M1-завершил");
        tl.add(t3 + r.integer(600, 7200), "#M2-завершил");
    }
}

}  // namespace

void write_tag_log(const Course& C, Rng& r, Learner& L) {
    TagLog tl(r, L.tags);
    enrolment_tags(C, r, L, tl);
    course_tags(C, r, L, tl);
    const long long horizon_end = (C.start_day + kHorizonDays) * kDay;
    std::sort(L.tags.begin(), L.tags.end(), [](const TagEvent& x, const TagEvent& y) { return x.ts < y.ts; });
    while (!L.tags.empty() && L.tags.back().ts >= horizon_end) L.tags.pop_back();
}

}  // namespace ls::gen1t
