#include "core/gen/gen_1t_catalog.h"

#include <algorithm>

#include "core/gen/gen_1t_rng.h"
#include "core/gen/gen_1t_time.h"

namespace ls::gen1t {

namespace {

struct CourseSpec {
    int id;
    const char* name;
    double weight;
    int start_d;       // December 2023 day of the first date_shown
    int open_hour;
};

// The 1T scoring specification names course 3 "Нейро.PY"; the others are invented. Course 77's
// name contains commas, which must be quoted in activities_guide.csv.
const CourseSpec kCourses[] = {
    {3, "Нейро.PY", 0.16, 5, 11},
    {49, "Python-разработчик", 0.38, 1, 10},
    {71, "Анализ данных", 0.34, 1, 12},
    {77, "Frontend: HTML, CSS и JavaScript", 0.12, 4, 11},
};

const char* kThemeNames[] = {
    "Введение в программирование", "Переменные и типы данных", "Условия и циклы", "Функции и классы",
    "Списки, кортежи и словари", "Работа с файлами", "Модули и пакеты", "Исключения",
    "Алгоритмы и сложность", "Работа с данными", "Визуализация", "Итоговый проект",
    "Запросы к API", "Тестирование кода", "Базы данных и SQL", "Веб-интерфейсы"};

const char* kLessonNames[] = {
    "Знакомство с платформой", "Функции и запроса данных", "Основы синтаксиса", "Ввод и вывод",
    "Строки и их методы", "Циклы for и while", "Словари, множества и кортежи", "Генераторы списков",
    "Рекурсия", "Классы и объекты", "Наследование", "Чтение CSV, JSON и XML", "Работа с датами",
    "Регулярные выражения", "Сортировка и поиск", "Графики и диаграммы", "HTTP-запросы",
    "Юнит-тесты", "SQL: выборка, фильтрация и сортировка", "Практикум", "Разбор задач",
    "Аттестация по модулю 2", "Подготовка проекта", "Защита проекта"};

// Activity types and their shares (the 1T scoring specification: m_course_params counts these).
const char* kTypes[] = {"slide", "exercise", "question", "interactive", "CodeExercise", ""};
const double kTypeWeights[] = {0.36, 0.20, 0.16, 0.10, 0.14, 0.04};
const char* kTypeNames[] = {"Слайд", "Упражнение", "Тест", "Интерактив", "Тренажер", ""};
const double kTypeDifficulty[] = {0, 0.3, 0.0, -0.3, 0.7, 0};

bool bears_result(const std::string& t) {
    return t == "exercise" || t == "question" || t == "interactive" || t == "CodeExercise";
}

// Ids run on across the courses, with the gaps of the platform's numbering.
struct NextIds {
    int task = 81, activity = 8719, theme = 13, webinar = 13370;
};

struct Slot { int day; int module; bool att; };

const int kThemesPerModule[] = {0, 2, 3, 4};  // themes: 2 in module 1, 3 in module 2, 4 in module 3

// Opening days: module 1 every 3.5 days over four weeks, module 2 the
// same over the next ~5 weeks then an attestation task on day 63,
// module 3 weekly until day 196.
std::vector<Slot> opening_slots() {
    std::vector<Slot> slots;
    for (int i = 0; i < 8; ++i) slots.push_back({(i * 7 + 1) / 2, 1, false});
    for (int i = 0; i < 10; ++i) slots.push_back({28 + (i * 7 + 1) / 2, 2, false});
    slots.push_back({63, 2, true});
    for (int i = 0; i < 19; ++i) slots.push_back({70 + 7 * i, 3, false});
    return slots;
}

void add_themes(Course& c, NextIds& ids, int theme_name) {
    for (int m = 1; m <= 3; ++m)
        for (int k = 0; k < kThemesPerModule[m]; ++k) {
            Theme th;
            th.theme_id = ids.theme++;
            th.module = m;
            th.name = kThemeNames[(theme_name++) % 16];
            c.themes.push_back(th);
        }
}

// Theme and position of task `s`: the tasks of a module are spread evenly over its themes.
void place_in_theme(const Course& c, const std::vector<Slot>& slots, size_t s, Task& t) {
    int first_theme = 0, n_module_slots = 0, idx_in_module = 0;
    for (int m = 1; m < t.module; ++m) first_theme += kThemesPerModule[m];
    for (size_t q = 0; q < slots.size(); ++q)
        if (slots[q].module == t.module) {
            if (q < s) ++idx_in_module;
            ++n_module_slots;
        }
    int th = idx_in_module * kThemesPerModule[t.module] / n_module_slots;
    t.theme = first_theme + th;
    int pos = 1;
    for (const auto& prev : c.tasks)
        if (prev.theme == t.theme) ++pos;
    t.position = pos;
}

// Builds one course; every draw comes from the catalog's stream in a fixed order.
class CourseBuilder {
public:
    CourseBuilder(const CourseSpec& spec, Rng& rng, NextIds& ids) : spec_(spec), rng_(rng), ids_(ids) {}

    Course build() {
        c_.course_id = spec_.id;
        c_.name = spec_.name;
        c_.weight = spec_.weight;
        c_.start_ts = seconds_at(2023, 12, static_cast<unsigned>(spec_.start_d), static_cast<unsigned>(spec_.open_hour));
        c_.start_day = days_from_civil(2023, 12, static_cast<unsigned>(spec_.start_d));
        const std::vector<Slot> slots = opening_slots();
        add_themes(c_, ids_, static_cast<int>(rng_.integer(0, 15)));
        int lesson_name = static_cast<int>(rng_.integer(0, 23));
        for (size_t s = 0; s < slots.size(); ++s) add_task(slots, s, lesson_name);
        set_deadlines();
        add_intro_webinar();
        count_openings();
        index_activities();
        return std::move(c_);
    }

private:
    void add_task(const std::vector<Slot>& slots, size_t s, int& lesson_name) {
        Task t;
        t.task_id = ids_.task;
        ids_.task += static_cast<int>(rng_.integer(1, 3));
        t.module = slots[s].module;
        t.attestation = slots[s].att;
        t.open_day = slots[s].day;
        t.open_ts = c_.start_ts + slots[s].day * kDay;
        place_in_theme(c_, slots, s, t);
        t.name = t.attestation ? "Аттестация по модулю 2" : kLessonNames[(lesson_name++) % 24];
        if (t.attestation) {
            add_activity(t, "question", "Итоговый тест модуля 2", true, true, 0.4);
            add_activity(t, "CodeExercise", "Итоговое задание модуля 2", true, true, 0.8);
            if (rng_.bernoulli(0.5)) add_activity(t, "exercise", "Аттестационное упражнение", true, true, 0.5);
        } else {
            add_lesson_activities(t);
            if (s % 3 == 1) add_webinar(t);  // a webinar every third task; its recording is an activity
        }
        c_.tasks.push_back(std::move(t));
    }

    // 3 to 7 activities, the first a slide, the others of random types.
    void add_lesson_activities(Task& t) {
        int n = static_cast<int>(rng_.integer(3, 7));
        int counters[6] = {0, 0, 0, 0, 0, 0};
        for (int k = 0; k < n; ++k) {
            int ty = k == 0 ? 0 : rng_.choose(std::begin(kTypeWeights), std::end(kTypeWeights));
            ++counters[ty];
            std::string name = ty == 5 ? std::string() : std::string(kTypeNames[ty]) + " " + std::to_string(counters[ty]);
            bool rb = bears_result(kTypes[ty]);
            bool req = rng_.bernoulli(rb ? 0.6 : 0.1);
            add_activity(t, kTypes[ty], name, false, req, kTypeDifficulty[ty] + rng_.normal(0, 0.3));
        }
    }

    // The task being built is the next one of c_.tasks.
    void add_activity(Task& t, const std::string& type, const std::string& name, bool att, bool req, double diff) {
        Activity a;
        a.activity_id = ids_.activity;
        ids_.activity += static_cast<int>(rng_.integer(1, 4));
        a.task = static_cast<int>(c_.tasks.size());
        a.type = type;
        a.name = name;
        a.result_bearing = bears_result(type);
        a.attestation = att;
        a.required = req;
        a.module = t.module;
        a.difficulty = diff;
        t.activities.push_back(static_cast<int>(c_.activities.size()));
        c_.activities.push_back(a);
    }

    // A live webinar the day after the task opens, at 19:00.
    void add_webinar(Task& t) {
        Webinar w;
        w.webinar_id = ids_.webinar++;
        w.day = t.open_day + 1;
        w.start_ts = c_.start_ts - spec_.open_hour * 3600LL + w.day * kDay + 19 * 3600LL;
        w.module = t.module;
        c_.webinars.push_back(w);
        add_activity(t, "webinar", "Вебинар " + std::to_string(c_.webinars.size()), false, false, 0);
    }

    // A task's deadline is the opening of the next one; the last task has a week.
    void set_deadlines() {
        for (size_t s = 0; s < c_.tasks.size(); ++s) {
            auto& t = c_.tasks[s];
            if (s + 1 < c_.tasks.size()) {
                t.deadline_ts = c_.tasks[s + 1].open_ts;
                t.deadline_day = c_.tasks[s + 1].open_day;
            } else {
                t.deadline_ts = t.open_ts + 7 * kDay;
                t.deadline_day = t.open_day + 7;
            }
        }
    }

    // Intro webinar on the start day (вводный вебинар = 1).
    void add_intro_webinar() {
        Webinar intro;
        intro.webinar_id = ids_.webinar++;
        intro.day = 0;
        intro.start_ts = c_.start_ts - spec_.open_hour * 3600LL + 18 * 3600LL;
        intro.module = 1;
        intro.intro = true;
        c_.webinars.insert(c_.webinars.begin(), intro);
    }

    void count_openings() {
        c_.opened_prefix.assign(kHorizonDays + 1, 0);
        c_.opened_result_bearing.assign(kHorizonDays + 1, 0);
        for (int d = 0; d <= kHorizonDays; ++d) {
            int n = 0, rb = 0;
            for (const auto& a : c_.activities) {
                if (c_.tasks[a.task].open_day > d) break;
                ++n;
                rb += a.result_bearing;
            }
            c_.opened_prefix[d] = n;
            c_.opened_result_bearing[d] = rb;
        }
    }

    void index_activities() {
        for (size_t i = 0; i < c_.activities.size(); ++i) {
            const auto& a = c_.activities[i];
            if (a.module == 2 && a.result_bearing) c_.m2_result_bearing.push_back(static_cast<int>(i));
            if (a.module == 2 && a.attestation) c_.m2_attestation.push_back(static_cast<int>(i));
            if (a.attestation) c_.attestation_deadline_day = std::max(c_.attestation_deadline_day, c_.tasks[a.task].open_day);
        }
    }

    const CourseSpec& spec_;
    Rng& rng_;
    NextIds& ids_;
    Course c_;
};

}  // namespace

Catalog build_catalog(unsigned long long seed) {
    Rng rng(seed, 0xca7a10ULL);
    Catalog cat;
    NextIds ids;
    for (const auto& spec : kCourses) {
        cat.courses.push_back(CourseBuilder(spec, rng, ids).build());
        ids.task += 10;
        ids.activity += 100;
    }
    return cat;
}

}  // namespace ls::gen1t
