with
cross_schedule as (
select sv2.user_id, sv.course_id, sv."type", sv.activity_type, sv.task_id, sv.activity_id, sv.date_shown, sv.is_attestation
from schedule_v2 sv
full outer join students_v3 sv2
on sv2.course_id = sv.course_id
),
cross_history as (
select
cross_schedule.user_id, cross_schedule.course_id, cross_schedule."type", cross_schedule.activity_type, cross_schedule.task_id,
cross_schedule.activity_id, cross_schedule.date_shown, cross_schedule.is_attestation,
ahvv.created_at, ahvv."module", ahvv.attestation
from cross_schedule
left join activity_history_viewed_v2 ahvv
on (ahvv.user_id = cross_schedule.user_id) and (ahvv.page_id = cross_schedule.task_id)
where type = 'занятие'
union
select cross_schedule.user_id, cross_schedule.course_id, cross_schedule."type", cross_schedule.activity_type, cross_schedule.task_id,
cross_schedule.activity_id, cross_schedule.date_shown, cross_schedule.is_attestation,
ahvv.created_at, ahvv."module", ahvv.attestation
from cross_schedule
left join activity_history_viewed_v2 ahvv
on (ahvv.user_id = cross_schedule.user_id) and (ahvv.page_id = cross_schedule.activity_id)
where type = 'активность'),
history_results as (
select cross_history.*, erv.created_at as result_time,
case when erv.result = 'Пропуск' then -1 else cast(erv.result as int4) end as result,
erv.success
from cross_history
left join exercise_results_v2 erv
on (erv.user_id = cross_history.user_id) and (erv.activity_id = cross_history.activity_id)
)
select history_results.*, agv.obyzar_priznak, sv.tg_bot,
case when sv.m2_progress = 'Нет данных' then -1 else cast(sv.m2_progress as int4) end as m2_progress,
sv.m2_attestation_date,
case when sv.m2_attestation = 'Не сдана' then -1 else cast(sv.m2_attestation as int4) end as m2_attestation,
uatv.age, uatv.time_zone
from history_results
left join students_v3 sv
on sv.user_id = history_results.user_id
left join users_age_timezone_v2 uatv
on history_results.user_id = uatv.user_id
left join activities_guide_v2 agv
on agv.activity_id = history_results.activity_id
order by history_results.user_id, history_results.date_shown
