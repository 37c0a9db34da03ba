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

// Seed 001 names course 3 "Нейро.PY"; the others are invented. Course 77's
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

}  // namespace

Catalog build_catalog(unsigned long long seed) {
    Rng rng(seed, 0xca7a10ULL);
    Catalog cat;
    int next_task_id = 81, next_activity_id = 8719, next_theme_id = 13, next_webinar_id = 13370;
    for (const auto& spec : kCourses) {
        Course c;
        c.course_id = spec.id;
        c.name = spec.name;
        c.weight = spec.weight;
        c.start_ts = seconds_at(2023, 12, static_cast<unsigned>(spec.start_d), static_cast<unsigned>(spec.open_hour));
        c.start_day = days_from_civil(2023, 12, static_cast<unsigned>(spec.start_d));

        // Opening days: module 1 every 3.5 days over four weeks, module 2 the
        // same over the next ~5 weeks then an attestation task on day 63,
        // module 3 weekly until day 196.
        struct Slot { int day; int module; bool att; };
        std::vector<Slot> slots;
        for (int i = 0; i < 8; ++i) slots.push_back({(i * 7 + 1) / 2, 1, false});
        for (int i = 0; i < 10; ++i) slots.push_back({28 + (i * 7 + 1) / 2, 2, false});
        slots.push_back({63, 2, true});
        for (int i = 0; i < 19; ++i) slots.push_back({70 + 7 * i, 3, false});

        // Themes: 2 in module 1, 3 in module 2, 4 in module 3.
        const int themes_per_module[] = {0, 2, 3, 4};
        int theme_name = static_cast<int>(rng.integer(0, 15));
        for (int m = 1; m <= 3; ++m)
            for (int k = 0; k < themes_per_module[m]; ++k) {
                Theme th;
                th.theme_id = next_theme_id++;
                th.module = m;
                th.name = kThemeNames[(theme_name++) % 16];
                c.themes.push_back(th);
            }
        int lesson_name = static_cast<int>(rng.integer(0, 23));
        for (size_t s = 0; s < slots.size(); ++s) {
            Task t;
            t.task_id = next_task_id;
            next_task_id += static_cast<int>(rng.integer(1, 3));
            t.module = slots[s].module;
            t.attestation = slots[s].att;
            t.open_day = slots[s].day;
            t.open_ts = c.start_ts + slots[s].day * kDay;
            // theme: tasks of a module are spread evenly over its themes
            int first_theme = 0, n_module_slots = 0, idx_in_module = 0;
            for (int m = 1; m < t.module; ++m) first_theme += themes_per_module[m];
            for (size_t q = 0; q < slots.size(); ++q)
                if (slots[q].module == t.module) {
                    if (q < s) ++idx_in_module;
                    ++n_module_slots;
                }
            int th = idx_in_module * themes_per_module[t.module] / n_module_slots;
            t.theme = first_theme + th;
            int pos = 1;
            for (const auto& prev : c.tasks)
                if (prev.theme == t.theme) ++pos;
            t.position = pos;
            t.name = t.attestation ? "Аттестация по модулю 2" : kLessonNames[(lesson_name++) % 24];
            int idx = static_cast<int>(c.tasks.size());

            auto add = [&](const std::string& type, const std::string& name, bool att, bool req, double diff) {
                Activity a;
                a.activity_id = next_activity_id;
                next_activity_id += static_cast<int>(rng.integer(1, 4));
                a.task = idx;
                a.type = type;
                a.name = name;
                a.result_bearing = bears_result(type);
                a.attestation = att;
                a.required = req;
                a.module = t.module;
                a.difficulty = diff;
                t.activities.push_back(static_cast<int>(c.activities.size()));
                c.activities.push_back(a);
            };
            if (t.attestation) {
                add("question", "Итоговый тест модуля 2", true, true, 0.4);
                add("CodeExercise", "Итоговое задание модуля 2", true, true, 0.8);
                if (rng.bernoulli(0.5)) add("exercise", "Аттестационное упражнение", true, true, 0.5);
            } else {
                int n = static_cast<int>(rng.integer(3, 7));
                int counters[6] = {0, 0, 0, 0, 0, 0};
                for (int k = 0; k < n; ++k) {
                    int ty = k == 0 ? 0 : rng.choose(std::begin(kTypeWeights), std::end(kTypeWeights));
                    ++counters[ty];
                    std::string name = ty == 5 ? std::string() : std::string(kTypeNames[ty]) + " " + std::to_string(counters[ty]);
                    bool rb = bears_result(kTypes[ty]);
                    bool req = rng.bernoulli(rb ? 0.6 : 0.1);
                    add(kTypes[ty], name, false, req, kTypeDifficulty[ty] + rng.normal(0, 0.3));
                }
                if (s % 3 == 1) {  // a webinar every third task; its recording is an activity
                    Webinar w;
                    w.webinar_id = next_webinar_id++;
                    w.day = t.open_day + 1;
                    w.start_ts = c.start_ts - spec.open_hour * 3600LL + w.day * kDay + 19 * 3600LL;
                    w.module = t.module;
                    c.webinars.push_back(w);
                    add("webinar", "Вебинар " + std::to_string(c.webinars.size()), false, false, 0);
                }
            }
            c.tasks.push_back(std::move(t));
        }
        for (size_t s = 0; s < c.tasks.size(); ++s) {
            auto& t = c.tasks[s];
            if (s + 1 < c.tasks.size()) {
                t.deadline_ts = c.tasks[s + 1].open_ts;
                t.deadline_day = c.tasks[s + 1].open_day;
            } else {
                t.deadline_ts = t.open_ts + 7 * kDay;
                t.deadline_day = t.open_day + 7;
            }
        }
        // Intro webinar on the start day (вводный вебинар = 1).
        Webinar intro;
        intro.webinar_id = next_webinar_id++;
        intro.day = 0;
        intro.start_ts = c.start_ts - spec.open_hour * 3600LL + 18 * 3600LL;
        intro.module = 1;
        intro.intro = true;
        c.webinars.insert(c.webinars.begin(), intro);

        c.opened_prefix.assign(kHorizonDays + 1, 0);
        c.opened_result_bearing.assign(kHorizonDays + 1, 0);
        for (int d = 0; d <= kHorizonDays; ++d) {
            int n = 0, rb = 0;
            for (const auto& a : c.activities) {
                if (c.tasks[a.task].open_day > d) break;
                ++n;
                rb += a.result_bearing;
            }
            c.opened_prefix[d] = n;
            c.opened_result_bearing[d] = rb;
        }
        for (size_t i = 0; i < c.activities.size(); ++i) {
            const auto& a = c.activities[i];
            if (a.module == 2 && a.result_bearing) c.m2_result_bearing.push_back(static_cast<int>(i));
            if (a.module == 2 && a.attestation) c.m2_attestation.push_back(static_cast<int>(i));
            if (a.attestation) c.attestation_deadline_day = std::max(c.attestation_deadline_day, c.tasks[a.task].open_day);
        }
        next_task_id += 10;
        next_activity_id += 100;
        cat.courses.push_back(std::move(c));
    }
    return cat;
}

}  // namespace ls::gen1t
