// The course catalogue of the synthetic 1T scenario: courses, modules, themes,
// tasks (lessons), activities and webinars, with the schedule (date_shown) and
// per-day counts the learner simulation needs. Built deterministically from
// the seed; written out as schedule.csv and activities_guide.csv.
#pragma once
#include <string>
#include <vector>

namespace ls::gen1t {

constexpr int kHorizonDays = 210;  // simulated days from each course's start date (the 1T scoring specification)

struct Activity {
    int activity_id = 0;
    int task = 0;          // index into Course::tasks
    std::string type;      // slide, exercise, question, interactive, CodeExercise, webinar, "" (empty)
    std::string name;
    bool result_bearing = false;  // exercise, question, interactive, CodeExercise
    bool attestation = false;
    bool required = false;
    int module = 1;
    double difficulty = 0;  // shifts the success probability (logit scale)
};

struct Task {
    int task_id = 0;
    int theme = 0;          // index into Course::themes
    int module = 1;
    int position = 1;       // position within its theme (taskPosition)
    bool attestation = false;
    std::string name;       // lesson title (Занятие)
    long long open_ts = 0;  // date_shown, seconds since the epoch (local time)
    int open_day = 0;       // calendar days after the course start date
    long long deadline_ts = 0;  // opening of the next task; last task: own opening + 7 days
    int deadline_day = 0;
    std::vector<int> activities;  // indices into Course::activities, in course order
};

struct Theme {
    int theme_id = 0;
    int module = 1;
    std::string name;
};

struct Webinar {
    int webinar_id = 0;
    int day = 0;            // calendar day after the course start
    long long start_ts = 0;
    int module = 1;
    bool intro = false;     // вводный вебинар
};

struct Course {
    int course_id = 0;
    std::string name;
    double weight = 0;           // share of learners
    long long start_ts = 0;      // earliest date_shown
    long long start_day = 0;     // days since the epoch of the start date
    std::vector<Theme> themes;
    std::vector<Task> tasks;
    std::vector<Activity> activities;  // course order (task by task)
    std::vector<Webinar> webinars;
    // Per calendar day d (0..kHorizonDays): activities opened by the end of day d
    // (a prefix of `activities`) and how many of them bear results.
    std::vector<int> opened_prefix;
    std::vector<int> opened_result_bearing;
    std::vector<int> m2_result_bearing;   // module-2 activities that take results
    std::vector<int> m2_attestation;      // module-2 attestation activities
    int attestation_deadline_day = 0;     // latest date_shown of an attestation activity
};

struct Catalog {
    std::vector<Course> courses;
};

// Courses 3, 49, 71, 77 as in the 1T scoring specification, starting 2023-12-01..05.
Catalog build_catalog(unsigned long long seed);

}  // namespace ls::gen1t
