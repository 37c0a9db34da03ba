-- Reference for m_course_params. Seed 001 lists the view's columns but not its
-- SQL, so this is the straightforward analyst-style query (one correlated
-- subquery per column, as the seed's other SQL is written) on the seed's tables.
select c.course_id,
 (select max(course) from activities_guide_v2 a where a.course_id = c.course_id) as name,
 (select min(date_shown) from schedule_v2 s where s.course_id = c.course_id) as min_date_shown,
 (select max(date_shown) from schedule_v2 s where s.course_id = c.course_id) as max_date_shown,
 (select count(distinct task_id) from schedule_v2 s where s.course_id = c.course_id) as num_tasks,
 (select count(distinct activity_id) from schedule_v2 s where s.course_id = c.course_id and type = 'активность') as num_activity,
 (select count(distinct activity_id) from schedule_v2 s where s.course_id = c.course_id and type = 'активность' and is_attestation = 1) as num_attestation_activity,
 (select string_agg(distinct activity_type, ', ') from schedule_v2 s where s.course_id = c.course_id and type = 'активность' and is_attestation = 1) as attestation_activity_types,
 (select count(distinct webinar_id) from webinars_logs_v2 w where w.user_id in (select user_id from users u where u.course_id = c.course_id)) as num_webinar_v2,
 (select count(distinct activity_id) from schedule_v2 s where s.course_id = c.course_id and lower(activity_type) = 'question') as num_questions,
 (select count(distinct activity_id) from schedule_v2 s where s.course_id = c.course_id and lower(activity_type) = 'exercise') as num_exercise,
 (select count(distinct activity_id) from schedule_v2 s where s.course_id = c.course_id and lower(activity_type) = 'interactive') as num_interactive,
 (select count(distinct activity_id) from schedule_v2 s where s.course_id = c.course_id and lower(activity_type) = 'codeexercise') as num_codeexercise,
 (select count(distinct activity_id) from schedule_v2 s where s.course_id = c.course_id and lower(activity_type) = 'slide') as num_slide,
 (select count(distinct activity_id) from schedule_v2 s where s.course_id = c.course_id and type = 'активность' and coalesce(activity_type, '') = '') as num_empty_activity
from (select distinct course_id from schedule_v2) c
order by c.course_id
