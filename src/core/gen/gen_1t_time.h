// Civil-time helpers for the synthetic 1T generator: timestamps are seconds
// since 1970-01-01 00:00 in the platform's local (naive) time, formatted the
// way each raw export writes them. Date arithmetic after H. Hinnant's
// days_from_civil / civil_from_days (public domain algorithms).
#pragma once
#include <cstdint>
#include <string>

namespace ls::gen1t {

constexpr long long kDay = 86400;

inline long long days_from_civil(int y, unsigned m, unsigned d) {
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long long>(doe) - 719468;
}

struct Civil {
    int y;
    unsigned m, d, hh, mi, ss;
};

inline Civil civil_from_seconds(long long t) {
    long long z = t >= 0 ? t / kDay : (t - kDay + 1) / kDay;
    long long secs = t - z * kDay;
    z += 719468;
    const long long era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const long long y = static_cast<long long>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    Civil c;
    c.y = static_cast<int>(y + (m <= 2));
    c.m = m;
    c.d = d;
    c.hh = static_cast<unsigned>(secs / 3600);
    c.mi = static_cast<unsigned>((secs / 60) % 60);
    c.ss = static_cast<unsigned>(secs % 60);
    return c;
}

inline long long seconds_at(int y, unsigned m, unsigned d, unsigned hh = 0, unsigned mi = 0, unsigned ss = 0) {
    return days_from_civil(y, m, d) * kDay + hh * 3600LL + mi * 60LL + ss;
}

inline void put2(std::string& out, unsigned v) {
    out.push_back(static_cast<char>('0' + (v / 10) % 10));
    out.push_back(static_cast<char>('0' + v % 10));
}
inline void put4(std::string& out, int v) {
    put2(out, static_cast<unsigned>(v / 100));
    put2(out, static_cast<unsigned>(v % 100));
}

// 2023-12-05 11:00:00 (authorization, schedule, views, results, users)
inline void append_iso(std::string& out, long long t) {
    Civil c = civil_from_seconds(t);
    put4(out, c.y); out.push_back('-'); put2(out, c.m); out.push_back('-'); put2(out, c.d);
    out.push_back(' ');
    put2(out, c.hh); out.push_back(':'); put2(out, c.mi); out.push_back(':'); put2(out, c.ss);
}
// 23.12.2023 12:10 (webinars_logs, users_logs)
inline void append_dmy(std::string& out, long long t) {
    Civil c = civil_from_seconds(t);
    put2(out, c.d); out.push_back('.'); put2(out, c.m); out.push_back('.'); put4(out, c.y);
    out.push_back(' ');
    put2(out, c.hh); out.push_back(':'); put2(out, c.mi);
}
// 05.12.2023 (contact_assignments.csv)
inline void append_dmy_date(std::string& out, long long day_number) {
    Civil c = civil_from_seconds(day_number * kDay);
    put2(out, c.d); out.push_back('.'); put2(out, c.m); out.push_back('.'); put4(out, c.y);
}
// 2023-12-05 (truth files)
inline void append_date(std::string& out, long long day_number) {
    Civil c = civil_from_seconds(day_number * kDay);
    put4(out, c.y); out.push_back('-'); put2(out, c.m); out.push_back('-'); put2(out, c.d);
}

}  // namespace ls::gen1t
