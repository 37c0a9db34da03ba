// The nine files of the 1T platform export (the 1T scoring specification, docs/loading.md): raw header
// spellings (typos and Russian headers included) and value converters per
// clean column. Headers compare case-, space-, '_'- and '-'-insensitively, so
// "window size", "window_size" and "WindowSize" are one spelling.
#include "cli/load/load_spec.h"

#include "cli/load/load_text.h"
#include "core/load/normalize.h"

namespace lscli {
namespace {

using namespace conv;

DatasetRegistrar dataset_1t(DatasetSpec{"1t", "CALL learnerscore.create_learning_schema(%s)"});

FileSpecRegistrar users_age_timezone(FileSpec{
    "1t", "users_age_timezone.csv", "users_age_timezone",
    {
        {"user_id", {"userID"}, integer, true},
        {"time_zone", {"timeZone", "tz"}, tz_offset},
        {"age", {"age"}, integer},
    },
    {"user_id"}});

FileSpecRegistrar authorization(FileSpec{
    "1t", "authorization.csv", "authorization",
    {
        {"user_id", {"user_id", "userID"}, integer, true},
        {"created_at", {"created_at", "createdAt", "created_a"}, timestamp, true},
        {"user_agent", {"user_agent", "userAgent"}, text},
        {"window_size", {"window size", "windowSize"}, text},
    },
    {}});

FileSpecRegistrar schedule(FileSpec{
    "1t", "schedule.csv", "schedule",
    {
        {"course_id", {"course_id", "courseID"}, integer, true},
        {"type", {"type"}, text, true},
        {"task_id", {"taskID", "task_id"}, integer},
        {"activity_id", {"activivtyID", "activityID", "activivty_id"}, integer},
        {"activity_type", {"activityType"}, text},
        {"is_attestation", {"isAttestation"}, integer},
        {"visibility", {"visibility"}, text},
        {"flows", {"flows", "flow"}, integer},
        {"date_shown", {"dateShown"}, timestamp},
    },
    {}});

FileSpecRegistrar activity_history_viewed(FileSpec{
    "1t", "activity_history_viewed.csv", "activity_history_viewed",
    {
        {"user_id", {"user_id", "userID"}, integer, true},
        {"created_at", {"created_at", "createdAt", "created_a"}, timestamp, true},
        {"page_type", {"page_type", "pageType"}, text},
        {"page_id", {"page_id", "pageID"}, integer},
        {"module", {"module", "modul"}, integer},
        {"attestation", {"attestation"}, integer},
        {"activity_type", {"activity_type"}, text},
    },
    {}});

FileSpecRegistrar webinars_logs(FileSpec{
    "1t", "webinars_logs.csv", "webinars_logs",
    {
        {"user_id", {"userId"}, integer, true},
        {"datetime", {"dateTime", "created_at"}, timestamp, true},
        {"event_name", {"eventName", "event"}, text},
        {"webinar_id", {"webinarId"}, integer},
        {"conn_format", {"формат подключения", "conn_format", "connectionFormat"}, text},
        {"webinar_vvod", {"вводный вебинар", "webinar_vvod"}, integer},
        {"module", {"module", "modul"}, integer},
    },
    {}});

FileSpecRegistrar exercise_results(FileSpec{
    "1t", "exercise_results.csv", "exercise_results",
    {
        {"module", {"module", "modul"}, integer},
        {"activity_id", {"activityID", "activivtyID"}, integer, true},
        {"user_id", {"userId"}, integer, true},
        {"created_at", {"createdAt", "created_a"}, timestamp, true},
        {"result", {"result"}, result},
        {"success", {"success"}, integer},
    },
    {}});

FileSpecRegistrar users_logs(FileSpec{
    "1t", "users_logs.csv", "users_logs",
    {
        {"user_id", {"user_id", "userID"}, integer, true},
        {"created_at", {"created_a", "created_at", "createdAt"}, timestamp, true},
        {"event", {"event"}, text},
        {"comment", {"comment"}, text},
    },
    {}});

FileSpecRegistrar users(FileSpec{
    "1t", "users.csv", "users",
    {
        {"unti_id", {"unti_id"}, integer},
        {"user_id", {"userID"}, integer, true},
        {"course_id", {"course_id", "courseID"}, integer},
        {"flow_num", {"flow_num", "flow"}, real},
        {"tg_bot", {"tgBot"}, tg_bot},
        {"m2_progress", {"M2_progress"}, int_or_marker},
        {"m2_attestation", {"M2_attestation"}, int_or_marker},
        {"m2_attestation_date", {"M2_attestation_date"}, timestamp},
    },
    {"user_id"}});

FileSpecRegistrar activities_guide(FileSpec{
    "1t", "activities_guide.csv", "activities_guide",
    {
        {"course_id", {"courseID", "course_id"}, integer},
        {"course", {"Курс", "course"}, text},
        {"provider", {"Провайдер", "provider"}, text},
        {"module", {"Модуль", "module", "modul"}, integer},
        {"theme_id", {"themeID"}, integer},
        {"theme", {"Тема", "theme"}, text},
        {"task_id", {"taskID"}, integer},
        {"exercise", {"Занятие", "exercise"}, text},
        {"task_position", {"taskPosition"}, integer},
        {"att_priznak", {"Признак Аттестации", "att_priznak"}, integer},
        {"activity_id", {"activityID", "activivtyID"}, integer, true},
        {"activity_type", {"Тип Активности", "activityType"}, text},
        {"activity", {"Активность", "activity"}, text},
        {"obyaz_priznak", {"Признак Обязательного", "obyaz_priznak"}, integer},
        {"visibility", {"Видимость", "visibility"}, text},
    },
    {"activity_id"}});

// The intervention log (issue 14): registered last, so that users.csv of the same
// folder is loaded before it and a contact of a learner not in users is a reject
// ("unknown learner"), as is one dated after the server's local time.
FileSpecRegistrar contacts(FileSpec{
    "1t", "contacts.csv", "contacts",
    {
        {"user_id", {"userID", "user_id"}, integer, true},
        {"contacted_at", {"contactedAt", "contacted_at", "created_at", "Дата контакта"}, timestamp, true},
        {"tutor", {"tutor", "тьютор", "динамизатор"}, text},
        {"channel", {"channel", "канал", "Канал связи"}, text},
        {"outcome_note", {"comment", "outcome_note", "Комментарий", "Результат"}, text},
    },
    {},
    nullptr,
    {{"user_id", "users", "user_id", "unknown learner"}},
    {"contacted_at"}});

// contact_assignments.csv's arm: what the table's CHECK allows, any letter case.
std::string arm(std::string_view raw, FieldValue& out) {
    if (raw.empty()) {
        out.null = true;
        return {};
    }
    std::string v = ls::norm::fold_case(raw);
    if (v != "contact" && v != "holdout") return "must be contact or holdout: " + excerpt(raw);
    out.null = false;
    out.text = std::move(v);
    return {};
}

// Who was randomized into which arm on which day (the contacted and the holdout
// learners): after users.csv like contacts.csv, so an unknown learner is a reject; the
// key rejects a second line for a (learner, day) instead of failing the primary key.
FileSpecRegistrar contact_assignments(FileSpec{
    "1t", "contact_assignments.csv", "contact_assignments",
    {
        {"user_id", {"userID", "user_id"}, integer, true},
        {"assigned_on", {"assignedOn", "assigned_on", "date"}, date, true},
        {"arm", {"arm", "group"}, arm, true},
        {"tutor", {"tutor", "тьютор", "динамизатор"}, text},
    },
    {"user_id", "assigned_on"},
    nullptr,
    {{"user_id", "users", "user_id", "unknown learner"}}});

}  // namespace
}  // namespace lscli
