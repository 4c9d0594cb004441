/*
** The entity descriptions: every table, field and relation the program
** knows. They mirror the SQL in migrations/; identifiers reach SQL only from here.
*/
#include <string.h>
#include "model.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const source_kinds[] = {"seed", "web", "import", "remote", NULL};
static const char *const tiers[] = {"central", "nhs", "local", "arms_length", "parliament", NULL};
static const char *const org_kinds[] = {"charity", "social_enterprise", "company", "campaign", "think_tank",
                                        "university", "media", "investor", "law_firm", "other", NULL};
static const char *const statuses[] = {"proposed", "pipeline", "operating", "blocked", "failed",
                                       "dissolved", NULL};
static const char *const legal_forms[] = {"cic", "joint_venture", "cooperative",
                                          "company_limited_by_guarantee",
                                          "industrial_provident_society", "mutual", "other", NULL};
static const char *const qualifiers[] = {"exact", "at_least", "more_than", "approximately", "up_to",
                                         "around", NULL};
static const char *const share_qualifiers[] = {"exact", "at_least", "more_than", "approximately", NULL};
static const char *const prog_kinds[] = {"programme", "fund", "target", "cost", NULL};
static const char *const subject_types[] = {"sector", "mutual", "body", "programme", NULL};
static const char *const finding_subjects[] = {"sector", "mutual", "body", "programme", "survey",
                                               "recommendation", NULL};
static const char *const barrier_kinds[] = {"technical", "cultural", "financial", "legal", NULL};
static const char *const rec_statuses[] = {"proposed", "accepted", "rejected", "in_progress",
                                           "implemented", "unknown", NULL};
static const char *const breakdowns[] = {"overall", "department", "grade", "answer", NULL};
static const char *const confidences[] = {"high", "medium", "low", NULL};
static const char *const body_roles[] = {"parent", "sponsor", "commissioner", "partner", NULL};
static const char *const publication_kinds[] = {"report", "article", "guidance", "statement", "other", NULL};
static const char *const claim_subjects[] = {"mutual", "body", "programme", "recommendation", "publication", "sector",
                                             "organisation", "event", NULL};

#define ID {"id", MU_T_ID, 0, NULL, NULL, "row id"}
#define SOURCE {"source_id", MU_T_REF, MU_REQUIRED, NULL, "source", "the document this row comes from"}
#define REL_SOURCE {"source", MU_REL_ONE, "source", "source_id", NULL, NULL, NULL, NULL, NULL, \
                    "the document this row comes from"}

static const mu_field source_fields[] = {
  ID,
  {"key", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "short unique handle, e.g. seed000"},
  {"title", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "title of the document"},
  {"publisher", MU_T_TEXT, 0, NULL, NULL, "who published it"},
  {"author", MU_T_TEXT, 0, NULL, NULL, "who wrote it"},
  {"published", MU_T_DATE, 0, NULL, NULL, "publication date, at the precision known"},
  {"published_inferred", MU_T_BOOL, MU_REQUIRED | MU_DEFAULTED, NULL, NULL, "1 when the date was inferred, not stated"},
  {"location", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "seed file name or URL"},
  {"kind", MU_T_ENUM, MU_REQUIRED, source_kinds, NULL, "seed, web, import or remote"},
  {"fetched_at", MU_T_TEXT, 0, NULL, NULL, "when a remote copy was fetched"},
  {"sha256", MU_T_TEXT, 0, NULL, NULL, "checksum of the fetched body"},
  {"etag", MU_T_TEXT, 0, NULL, NULL, "HTTP ETag of the fetched body"},
  {"last_modified", MU_T_TEXT, 0, NULL, NULL, "HTTP Last-Modified of the fetched body"},
  {"rows", MU_T_INT, MU_NONNEG, NULL, NULL, "rows imported from it"},
  {"note", MU_T_TEXT, 0, NULL, NULL, "remarks on dating or provenance"},
};

static const mu_field body_fields[] = {
  ID,
  {"abbrev", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "abbreviation, e.g. DCLG"},
  {"name", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "full name"},
  {"tier", MU_T_ENUM, MU_REQUIRED, tiers, NULL, "central, nhs, local, arms_length or parliament"},
  SOURCE,
};

static const mu_field organisation_fields[] = {
  ID,
  {"name", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "name"},
  {"kind", MU_T_ENUM, MU_REQUIRED, org_kinds, NULL, "what sort of organisation"},
  {"note", MU_T_TEXT, 0, NULL, NULL, "remarks"},
  SOURCE,
};

static const mu_field person_fields[] = {
  ID,
  {"name", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "name"},
  {"role", MU_T_TEXT, 0, NULL, NULL, "role as the source gives it"},
  {"affiliation", MU_T_TEXT, 0, NULL, NULL, "organisation as the source gives it"},
  SOURCE,
};

static const mu_field event_fields[] = {
  ID,
  {"name", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "what happened"},
  {"date", MU_T_DATE, 0, NULL, NULL, "when"},
  {"date_inferred", MU_T_BOOL, MU_REQUIRED | MU_DEFAULTED, NULL, NULL, "1 when the date was inferred, not stated"},
  {"place", MU_T_TEXT, 0, NULL, NULL, "where"},
  {"note", MU_T_TEXT, 0, NULL, NULL, "remarks"},
  SOURCE,
};

static const mu_field sector_fields[] = {
  ID,
  {"name", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "service area"},
  SOURCE,
};

static const mu_field mutual_fields[] = {
  ID,
  {"name", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "name of the mutual"},
  {"parent_id", MU_T_REF, 0, NULL, "body", "the public body it spun out of"},
  {"legal_form", MU_T_ENUM, 0, legal_forms, NULL, "legal form"},
  {"status", MU_T_ENUM, MU_REQUIRED, statuses, NULL, "lifecycle status"},
  {"staff", MU_T_INT, MU_NONNEG, NULL, NULL, "number of staff"},
  {"staff_qualifier", MU_T_ENUM, 0, qualifiers, NULL, "exact, at_least, more_than, approximately, up_to"},
  {"spun_out", MU_T_DATE, 0, NULL, NULL, "spin-out date (unknown when sources disagree: see its claims)"},
  {"note", MU_T_TEXT, 0, NULL, NULL, "remarks"},
  SOURCE,
  {"spun_out_inferred", MU_T_BOOL, MU_REQUIRED | MU_DEFAULTED, NULL, NULL,
   "1 when the date was inferred (\"in April\" -> 2012-04), not stated"},
  {"confidence", MU_T_ENUM, 0, confidences, NULL, "the analyst's confidence in the row: high, medium or low"},
};

static const mu_field status_change_fields[] = {
  ID,
  {"mutual_id", MU_T_REF, MU_REQUIRED, NULL, "mutual", "the mutual"},
  {"status", MU_T_ENUM, MU_REQUIRED, statuses, NULL, "status entered"},
  {"date", MU_T_DATE, 0, NULL, NULL, "when"},
  {"note", MU_T_TEXT, 0, NULL, NULL, "remarks"},
  SOURCE,
  {"date_inferred", MU_T_BOOL, MU_REQUIRED | MU_DEFAULTED, NULL, NULL, "1 when the date was inferred, not stated"},
};

static const mu_field programme_fields[] = {
  ID,
  {"key", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "short unique handle"},
  {"name", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "name"},
  {"kind", MU_T_ENUM, MU_REQUIRED, prog_kinds, NULL, "programme, fund, target or cost"},
  {"amount", MU_T_REAL, MU_NONNEG, NULL, NULL, "money or target value"},
  {"unit", MU_T_TEXT, 0, NULL, NULL, "GBP, people, ..."},
  {"qualifier", MU_T_ENUM, 0, qualifiers, NULL, "exact, up_to, ..."},
  {"started", MU_T_DATE, 0, NULL, NULL, "start date"},
  {"period", MU_T_TEXT, 0, NULL, NULL, "duration, as stated"},
  {"target_date", MU_T_DATE, 0, NULL, NULL, "date a target is due"},
  {"body_id", MU_T_REF, 0, NULL, "body", "responsible body"},
  {"note", MU_T_TEXT, 0, NULL, NULL, "remarks"},
  SOURCE,
};

/* The kinds a name can resolve to: those with a natural key. */
static const char *const alias_entities[] = {"body", "mutual", "organisation", "person", "sector", "programme",
                                             "barrier", "recommendation", "survey", "source", "publication", NULL};
static const char *const alias_kinds[] = {"name", "abbreviation", "old_name", "variant", "misspelling", NULL};
static const mu_field alias_fields[] = {
  ID,
  {"entity", MU_T_ENUM, MU_REQUIRED, alias_entities, NULL, "what the name names: body, mutual, ..."},
  {"target_id", MU_T_INT, MU_REQUIRED, NULL, NULL, "the row it names"},
  {"alias", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "the name, exactly as written"},
  {"kind", MU_T_ENUM, MU_REQUIRED, alias_kinds, NULL, "name, abbreviation, old_name, variant or misspelling"},
  {"note", MU_T_TEXT, 0, NULL, NULL, "where and how it is written"},
  {"source_id", MU_T_REF, 0, NULL, "source", "the document that writes it so; empty for an analyst's own"},
};

static const mu_field observation_fields[] = {
  ID,
  {"metric", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "what is measured, e.g. mutuals, staff"},
  {"subject_type", MU_T_ENUM, MU_REQUIRED, subject_types, NULL, "sector, mutual, body or programme"},
  {"subject_id", MU_T_INT, 0, NULL, NULL, "id of the mutual, body or programme; nil for the sector"},
  {"value", MU_T_REAL, MU_REQUIRED, NULL, NULL, "the figure"},
  {"unit", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "unit of the figure"},
  {"as_of", MU_T_DATE, 0, NULL, NULL, "date the figure describes"},
  {"qualifier", MU_T_ENUM, MU_REQUIRED | MU_DEFAULTED, qualifiers, NULL, "exact, at_least, more_than, approximately, up_to, around"},
  {"is_change", MU_T_BOOL, MU_REQUIRED | MU_DEFAULTED, NULL, NULL, "1 when the figure is a change, not a level"},
  {"baseline", MU_T_REAL, 0, NULL, NULL, "comparison value, where stated"},
  {"baseline_label", MU_T_TEXT, 0, NULL, NULL, "what the baseline is"},
  {"geography", MU_T_TEXT, 0, NULL, NULL, "area covered, where stated"},
  {"derived", MU_T_BOOL, MU_REQUIRED | MU_DEFAULTED, NULL, NULL, "1 when computed rather than published"},
  {"note", MU_T_TEXT, 0, NULL, NULL, "wording of the source"},
  {"as_of_inferred", MU_T_BOOL, MU_REQUIRED | MU_DEFAULTED, NULL, NULL, "1 when the date was inferred, not stated"},
  {"confidence", MU_T_ENUM, 0, confidences, NULL, "the analyst's confidence in the figure: high, medium or low"},
  SOURCE,
};

static const mu_field barrier_fields[] = {
  ID,
  {"key", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "short unique handle"},
  {"name", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "the barrier"},
  {"kind", MU_T_ENUM, 0, barrier_kinds, NULL, "technical, cultural, financial or legal"},
  {"description", MU_T_TEXT, 0, NULL, NULL, "detail"},
  SOURCE,
};

static const mu_field recommendation_fields[] = {
  ID,
  {"key", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "short unique handle"},
  {"text", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "the recommendation"},
  {"deadline", MU_T_DATE, 0, NULL, NULL, "when it is due"},
  {"status", MU_T_ENUM, MU_REQUIRED | MU_DEFAULTED, rec_statuses, NULL, "proposed, accepted, rejected, in_progress, implemented, unknown"},
  {"response", MU_T_TEXT, 0, NULL, NULL, "the government's response"},
  SOURCE,
};

static const mu_field survey_fields[] = {
  ID,
  {"key", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "short unique handle"},
  {"title", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "title"},
  {"organiser", MU_T_TEXT, 0, NULL, NULL, "who ran it"},
  {"fieldwork", MU_T_TEXT, 0, NULL, NULL, "when it ran"},
  {"population", MU_T_TEXT, 0, NULL, NULL, "who was asked"},
  {"method", MU_T_TEXT, 0, NULL, NULL, "how"},
  {"respondents", MU_T_INT, MU_POSITIVE, NULL, NULL, "number of respondents"},
  {"note", MU_T_TEXT, 0, NULL, NULL, "remarks"},
  SOURCE,
};

static const mu_field question_fields[] = {
  ID,
  {"survey_id", MU_T_REF, MU_REQUIRED, NULL, "survey", "the survey"},
  {"key", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "handle unique within the survey"},
  {"text", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "wording"},
  {"asked_of", MU_T_TEXT, 0, NULL, NULL, "sub-group asked, if not everyone"},
  SOURCE,
};

static const mu_field option_fields[] = {
  ID,
  {"question_id", MU_T_REF, MU_REQUIRED, NULL, "question", "the question"},
  {"key", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "handle unique within the question"},
  {"label", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "wording"},
  {"ordinal", MU_T_INT, MU_REQUIRED, NULL, NULL, "display order"},
};

static const mu_field result_fields[] = {
  ID,
  {"question_id", MU_T_REF, MU_REQUIRED, NULL, "question", "the question"},
  {"option_id", MU_T_REF, MU_REQUIRED, NULL, "option", "the answer"},
  {"breakdown", MU_T_ENUM, MU_REQUIRED, breakdowns, NULL, "overall, department, grade or answer"},
  {"grp", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "the group within the breakdown"},
  {"share", MU_T_REAL, MU_REQUIRED | MU_SHARE, NULL, NULL, "share giving the answer, 0..1"},
  {"qualifier", MU_T_ENUM, MU_REQUIRED | MU_DEFAULTED, share_qualifiers, NULL, "exact, at_least, more_than, approximately"},
  {"base_n", MU_T_INT, MU_POSITIVE, NULL, NULL, "respondents in the group; nil if unpublished"},
  {"count", MU_T_INT, MU_NONNEG, NULL, NULL, "respondents giving the answer"},
  {"count_derived", MU_T_BOOL, MU_REQUIRED | MU_DEFAULTED, NULL, NULL, "1 when count was derived from a rounded share"},
  SOURCE,
};

static const mu_field response_fields[] = {
  ID,
  {"survey_id", MU_T_REF, MU_REQUIRED, NULL, "survey", "the survey"},
  {"respondent", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "respondent id"},
  {"question_id", MU_T_REF, MU_REQUIRED, NULL, "question", "the question"},
  {"option_id", MU_T_REF, MU_REQUIRED, NULL, "option", "the answer"},
  {"department", MU_T_TEXT, 0, NULL, NULL, "respondent's department"},
  {"grade", MU_T_TEXT, 0, NULL, NULL, "respondent's grade"},
  {"weight", MU_T_REAL, MU_REQUIRED | MU_POSITIVE | MU_DEFAULTED, NULL, NULL, "survey weight"},
};

static const mu_field respondent_fields[] = {
  ID,
  {"survey_id", MU_T_REF, MU_REQUIRED, NULL, "survey", "the survey"},
  {"key", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "the respondent's id in the supplier's file"},
  {"weight", MU_T_REAL, MU_REQUIRED | MU_POSITIVE | MU_DEFAULTED, NULL, NULL, "survey weight"},
  {"stratum", MU_T_TEXT, 0, NULL, NULL, "design stratum (nil: one stratum)"},
  {"psu", MU_T_TEXT, 0, NULL, NULL, "primary sampling unit, the cluster (nil: each respondent its own)"},
  {"fpc", MU_T_REAL, MU_POSITIVE, NULL, NULL, "finite population correction: the stratum's population of PSUs, "
                                              "or a sampling fraction when 1 or less"},
  {"attributes", MU_T_TEXT, MU_REQUIRED | MU_DEFAULTED, NULL, NULL, "department, grade, region, ... (a JSON object)"},
};

static const mu_field survey_group_fields[] = {
  ID,
  {"survey_id", MU_T_REF, MU_REQUIRED, NULL, "survey", "the survey"},
  {"breakdown", MU_T_ENUM, MU_REQUIRED, breakdowns, NULL, "overall, department, grade or answer"},
  {"grp", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "the group"},
  {"n", MU_T_INT, MU_REQUIRED | MU_POSITIVE, NULL, NULL, "respondents in the group"},
  {"derived", MU_T_BOOL, MU_REQUIRED | MU_DEFAULTED, NULL, NULL, "1 when inferred rather than published"},
  {"note", MU_T_TEXT, 0, NULL, NULL, "remarks"},
  SOURCE,
};

static const mu_field finding_fields[] = {
  ID,
  {"subject_type", MU_T_ENUM, MU_REQUIRED, finding_subjects, NULL, "what the finding is about"},
  {"subject_id", MU_T_INT, 0, NULL, NULL, "its id; nil for the sector"},
  {"text", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "the claim"},
  {"as_of", MU_T_DATE, 0, NULL, NULL, "when it held"},
  SOURCE,
};

static const mu_field mutual_sector_fields[] = {
  ID,
  {"mutual_id", MU_T_REF, MU_REQUIRED, NULL, "mutual", "the mutual"},
  {"sector_id", MU_T_REF, MU_REQUIRED, NULL, "sector", "a service area it works in"},
};

static const mu_field recommendation_barrier_fields[] = {
  ID,
  {"recommendation_id", MU_T_REF, MU_REQUIRED, NULL, "recommendation", "the recommendation"},
  {"barrier_id", MU_T_REF, MU_REQUIRED, NULL, "barrier", "a barrier it addresses"},
};

static const mu_field recommendation_body_fields[] = {
  ID,
  {"recommendation_id", MU_T_REF, MU_REQUIRED, NULL, "recommendation", "the recommendation"},
  {"body_id", MU_T_REF, MU_REQUIRED, NULL, "body", "a body it is addressed to"},
  {"source_id", MU_T_REF, 0, NULL, "source", "the document naming the body as an addressee"},
};

static const mu_field publication_fields[] = {
  ID,
  {"key", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "short unique handle, e.g. next_steps"},
  {"title", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "the title as published (variants are its aliases)"},
  {"kind", MU_T_ENUM, MU_REQUIRED | MU_DEFAULTED, publication_kinds, NULL, "report, article, guidance, statement or other"},
  {"publisher", MU_T_TEXT, 0, NULL, NULL, "who published it"},
  {"published", MU_T_DATE, 0, NULL, NULL, "publication date, at the precision known"},
  {"published_inferred", MU_T_BOOL, MU_REQUIRED | MU_DEFAULTED, NULL, NULL, "1 when the date was inferred, not stated"},
  {"url", MU_T_TEXT, 0, NULL, NULL, "where it can be read"},
  {"note", MU_T_TEXT, 0, NULL, NULL, "remarks"},
  SOURCE,
};

static const mu_field source_publication_fields[] = {
  ID,
  {"source_id", MU_T_REF, MU_REQUIRED, NULL, "source", "a source that discusses the publication"},
  {"publication_id", MU_T_REF, MU_REQUIRED, NULL, "publication", "the publication"},
};

static const mu_field mutual_body_fields[] = {
  ID,
  {"mutual_id", MU_T_REF, MU_REQUIRED, NULL, "mutual", "the mutual"},
  {"body_id", MU_T_REF, MU_REQUIRED, NULL, "body", "a body it is tied to besides its principal parent (parent_id)"},
  {"role", MU_T_ENUM, MU_REQUIRED, body_roles, NULL, "parent, sponsor, commissioner or partner"},
  {"note", MU_T_TEXT, 0, NULL, NULL, "how the source puts it"},
  SOURCE,
};

static const mu_field claim_fields[] = {
  ID,
  {"subject_type", MU_T_ENUM, MU_REQUIRED, claim_subjects, NULL, "what the claim is about: mutual, body, ..."},
  {"subject_id", MU_T_INT, MU_REQUIRED, NULL, NULL, "the row it is about"},
  {"field", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "which of the row's fields it gives, e.g. spun_out"},
  {"value", MU_T_TEXT, 0, NULL, NULL, "the value this source gives, in the field's form (a reference by its natural "
                                      "key); empty: the source says it is not known"},
  {"inferred", MU_T_BOOL, MU_REQUIRED | MU_DEFAULTED, NULL, NULL, "1 when read into the source, not stated by it"},
  {"confidence", MU_T_ENUM, 0, confidences, NULL, "high, medium or low"},
  {"note", MU_T_TEXT, 0, NULL, NULL, "the source's wording"},
  SOURCE,
};

static const mu_field sector_list_fields[] = {
  ID,
  {"sector_id", MU_T_REF, MU_REQUIRED, NULL, "sector", "the service area"},
  {"publication_id", MU_T_REF, MU_REQUIRED, NULL, "publication", "the publication whose list names it"},
  SOURCE,
};

static const char *const derivation_ops[] = {"ratio", "sum", "difference", NULL};
static const mu_field derivation_fields[] = {
  ID,
  {"result_id", MU_T_REF, MU_REQUIRED, NULL, "observation", "the derived figure"},
  {"op", MU_T_ENUM, MU_REQUIRED, derivation_ops, NULL, "result = a op b: ratio, sum or difference"},
  {"a_id", MU_T_REF, MU_REQUIRED, NULL, "observation", "the first input"},
  {"b_id", MU_T_REF, MU_REQUIRED, NULL, "observation", "the second input"},
  {"note", MU_T_TEXT, 0, NULL, NULL, "how the source states it"},
  SOURCE,
};

static const mu_field known_issue_fields[] = {
  ID,
  {"check_key", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "the key `mutuals check` gives the problem"},
  {"explanation", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "why the data keeps it"},
  {"source_id", MU_T_REF, 0, NULL, "source", "the document behind the explanation"},
};

static const mu_field run_fields[] = {
  ID,
  {"script", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "the report script, as given"},
  {"sha256", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "SHA-256 of the script when it ran"},
  {"args", MU_T_TEXT, MU_REQUIRED | MU_DEFAULTED, NULL, NULL, "its arguments, a JSON array"},
  {"started_at", MU_T_TEXT, MU_REQUIRED, NULL, NULL, "start time, UTC"},
  {"finished_at", MU_T_TEXT, 0, NULL, NULL, "end time, UTC"},
  {"status", MU_T_INT, 0, NULL, NULL, "exit status (nil while running)"},
  {"outputs", MU_T_TEXT, MU_REQUIRED | MU_DEFAULTED, NULL, NULL, "files written, a JSON array"},
  {"error", MU_T_TEXT, 0, NULL, NULL, "the error message of a failed run"},
  {"pid", MU_T_INT, 0, NULL, NULL, "the process that ran it"},
  {"boot_id", MU_T_TEXT, 0, NULL, NULL, "the machine's boot it ran in (a run of an earlier boot is not running)"},
};

static const mu_relation source_rels[] = {
  {"publications", MU_REL_JOIN, "publication", NULL, "source_publications", "source_id", "publication_id", NULL, NULL,
   "publications it discusses"},
  {"observations", MU_REL_MANY, "observation", "source_id", NULL, NULL, NULL, NULL, NULL, "figures from it"},
  {"mutuals", MU_REL_MANY, "mutual", "source_id", NULL, NULL, NULL, NULL, NULL, "mutuals it names first"},
  {"findings", MU_REL_MANY, "finding", "source_id", NULL, NULL, NULL, NULL, NULL, "claims from it"},
};
static const mu_relation body_rels[] = {
  {"mutuals", MU_REL_MANY, "mutual", "parent_id", NULL, NULL, NULL, NULL, NULL, "mutuals spun out of it"},
  {"recommendations", MU_REL_JOIN, "recommendation", NULL, "recommendation_bodies", "body_id",
   "recommendation_id", NULL, NULL, "recommendations addressed to it"},
  {"observations", MU_REL_MANY, "observation", "subject_id", NULL, NULL, NULL, "subject_type", "body", "figures about it"},
  {"findings", MU_REL_MANY, "finding", "subject_id", NULL, NULL, NULL, "subject_type", "body", "claims about it"},
  {"programmes", MU_REL_MANY, "programme", "body_id", NULL, NULL, NULL, NULL, NULL, "programmes it runs"},
  {"mutual_links", MU_REL_MANY, "mutual_body", "body_id", NULL, NULL, NULL, NULL, NULL,
   "mutuals tied to it other than as principal parent, with the role"},
  REL_SOURCE,
};
static const mu_relation plain_rels[] = { REL_SOURCE };

static const mu_relation sector_rels[] = {
  {"mutuals", MU_REL_JOIN, "mutual", NULL, "mutual_sectors", "sector_id", "mutual_id", NULL, NULL, "mutuals in it"},
  {"lists", MU_REL_JOIN, "publication", NULL, "sector_lists", "sector_id", "publication_id", NULL, NULL,
   "the publications whose list of service areas names it"},
  {"claims", MU_REL_MANY, "claim", "subject_id", NULL, NULL, NULL, "subject_type", "sector", "what sources claim of it"},
  REL_SOURCE,
};
static const mu_relation mutual_rels[] = {
  {"parent", MU_REL_ONE, "body", "parent_id", NULL, NULL, NULL, NULL, NULL, "the body it spun out of"},
  {"department", MU_REL_ONE, "body", "parent_id", NULL, NULL, NULL, NULL, NULL, "alias of parent"},
  {"sectors", MU_REL_JOIN, "sector", NULL, "mutual_sectors", "mutual_id", "sector_id", NULL, NULL, "its service areas"},
  {"history", MU_REL_MANY, "status_change", "mutual_id", NULL, NULL, NULL, NULL, NULL, "its status changes"},
  {"observations", MU_REL_MANY, "observation", "subject_id", NULL, NULL, NULL, "subject_type", "mutual", "figures about it"},
  {"findings", MU_REL_MANY, "finding", "subject_id", NULL, NULL, NULL, "subject_type", "mutual", "claims about it"},
  {"bodies", MU_REL_MANY, "mutual_body", "mutual_id", NULL, NULL, NULL, NULL, NULL,
   "the bodies it is tied to besides its parent, each with a role"},
  {"claims", MU_REL_MANY, "claim", "subject_id", NULL, NULL, NULL, "subject_type", "mutual",
   "each source's value of a disputed field"},
  REL_SOURCE,
};
static const mu_relation status_change_rels[] = {
  {"mutual", MU_REL_ONE, "mutual", "mutual_id", NULL, NULL, NULL, NULL, NULL, "the mutual"},
  REL_SOURCE,
};
static const mu_relation programme_rels[] = {
  {"body", MU_REL_ONE, "body", "body_id", NULL, NULL, NULL, NULL, NULL, "responsible body"},
  {"observations", MU_REL_MANY, "observation", "subject_id", NULL, NULL, NULL, "subject_type", "programme", "figures about it"},
  REL_SOURCE,
};
static const mu_relation barrier_rels[] = {
  {"recommendations", MU_REL_JOIN, "recommendation", NULL, "recommendation_barriers", "barrier_id",
   "recommendation_id", NULL, NULL, "recommendations addressing it"},
  REL_SOURCE,
};
static const mu_relation recommendation_rels[] = {
  {"barriers", MU_REL_JOIN, "barrier", NULL, "recommendation_barriers", "recommendation_id", "barrier_id",
   NULL, NULL, "barriers it addresses"},
  {"bodies", MU_REL_JOIN, "body", NULL, "recommendation_bodies", "recommendation_id", "body_id",
   NULL, NULL, "bodies it is addressed to"},
  REL_SOURCE,
};
static const mu_relation survey_rels[] = {
  {"questions", MU_REL_MANY, "question", "survey_id", NULL, NULL, NULL, NULL, NULL, "its questions"},
  {"groups", MU_REL_MANY, "survey_group", "survey_id", NULL, NULL, NULL, NULL, NULL, "sizes of its groups"},
  {"responses", MU_REL_MANY, "response", "survey_id", NULL, NULL, NULL, NULL, NULL, "respondent-level microdata"},
  {"respondents", MU_REL_MANY, "respondent", "survey_id", NULL, NULL, NULL, NULL, NULL, "respondents, with the design"},
  {"findings", MU_REL_MANY, "finding", "subject_id", NULL, NULL, NULL, "subject_type", "survey", "claims about it"},
  REL_SOURCE,
};
static const mu_relation question_rels[] = {
  {"survey", MU_REL_ONE, "survey", "survey_id", NULL, NULL, NULL, NULL, NULL, "the survey"},
  {"options", MU_REL_MANY, "option", "question_id", NULL, NULL, NULL, NULL, NULL, "its answer options"},
  {"results", MU_REL_MANY, "result", "question_id", NULL, NULL, NULL, NULL, NULL, "published results"},
  REL_SOURCE,
};
static const mu_relation option_rels[] = {
  {"question", MU_REL_ONE, "question", "question_id", NULL, NULL, NULL, NULL, NULL, "the question"},
};
static const mu_relation result_rels[] = {
  {"question", MU_REL_ONE, "question", "question_id", NULL, NULL, NULL, NULL, NULL, "the question"},
  {"option", MU_REL_ONE, "option", "option_id", NULL, NULL, NULL, NULL, NULL, "the answer"},
  REL_SOURCE,
};
static const mu_relation response_rels[] = {
  {"survey", MU_REL_ONE, "survey", "survey_id", NULL, NULL, NULL, NULL, NULL, "the survey"},
  {"question", MU_REL_ONE, "question", "question_id", NULL, NULL, NULL, NULL, NULL, "the question"},
  {"option", MU_REL_ONE, "option", "option_id", NULL, NULL, NULL, NULL, NULL, "the answer"},
};
static const mu_relation mutual_sector_rels[] = {
  {"mutual", MU_REL_ONE, "mutual", "mutual_id", NULL, NULL, NULL, NULL, NULL, "the mutual"},
  {"sector", MU_REL_ONE, "sector", "sector_id", NULL, NULL, NULL, NULL, NULL, "the sector"},
};
static const mu_relation recommendation_barrier_rels[] = {
  {"recommendation", MU_REL_ONE, "recommendation", "recommendation_id", NULL, NULL, NULL, NULL, NULL, "the recommendation"},
  {"barrier", MU_REL_ONE, "barrier", "barrier_id", NULL, NULL, NULL, NULL, NULL, "the barrier"},
};
static const mu_relation recommendation_body_rels[] = {
  {"recommendation", MU_REL_ONE, "recommendation", "recommendation_id", NULL, NULL, NULL, NULL, NULL, "the recommendation"},
  {"body", MU_REL_ONE, "body", "body_id", NULL, NULL, NULL, NULL, NULL, "the body"},
  REL_SOURCE,
};
static const mu_relation publication_rels[] = {
  {"sources", MU_REL_JOIN, "source", NULL, "source_publications", "publication_id", "source_id", NULL, NULL,
   "the sources that discuss it"},
  {"sectors", MU_REL_JOIN, "sector", NULL, "sector_lists", "publication_id", "sector_id", NULL, NULL,
   "the service areas its list names (as far as the sources name them)"},
  {"claims", MU_REL_MANY, "claim", "subject_id", NULL, NULL, NULL, "subject_type", "publication",
   "what sources claim of it"},
  REL_SOURCE,
};
static const mu_relation source_publication_rels[] = {
  {"source", MU_REL_ONE, "source", "source_id", NULL, NULL, NULL, NULL, NULL, "the source"},
  {"publication", MU_REL_ONE, "publication", "publication_id", NULL, NULL, NULL, NULL, NULL, "the publication"},
};
static const mu_relation mutual_body_rels[] = {
  {"mutual", MU_REL_ONE, "mutual", "mutual_id", NULL, NULL, NULL, NULL, NULL, "the mutual"},
  {"body", MU_REL_ONE, "body", "body_id", NULL, NULL, NULL, NULL, NULL, "the body"},
  REL_SOURCE,
};
static const mu_relation sector_list_rels[] = {
  {"sector", MU_REL_ONE, "sector", "sector_id", NULL, NULL, NULL, NULL, NULL, "the service area"},
  {"publication", MU_REL_ONE, "publication", "publication_id", NULL, NULL, NULL, NULL, NULL, "the list's publication"},
  REL_SOURCE,
};
static const mu_relation derivation_rels[] = {
  {"result", MU_REL_ONE, "observation", "result_id", NULL, NULL, NULL, NULL, NULL, "the derived figure"},
  {"a", MU_REL_ONE, "observation", "a_id", NULL, NULL, NULL, NULL, NULL, "the first input"},
  {"b", MU_REL_ONE, "observation", "b_id", NULL, NULL, NULL, NULL, NULL, "the second input"},
  REL_SOURCE,
};
static const mu_relation respondent_rels[] = {
  {"survey", MU_REL_ONE, "survey", "survey_id", NULL, NULL, NULL, NULL, NULL, "the survey"},
};
static const mu_relation survey_group_rels[] = {
  {"survey", MU_REL_ONE, "survey", "survey_id", NULL, NULL, NULL, NULL, NULL, "the survey"},
  REL_SOURCE,
};

#define ENTITY(var, nm, pl, tbl, key, label, fields, rels, doc) \
  static const mu_entity var = {nm, pl, tbl, key, label, fields, N(fields), rels, N(rels), doc, NULL, 0, NULL}
/* An entity with measures (qualified numeric fields) and perhaps a polymorphic reference. */
#define ENTITY_M(var, nm, pl, tbl, key, label, fields, rels, doc, measures, poly) \
  static const mu_entity var = {nm, pl, tbl, key, label, fields, N(fields), rels, N(rels), doc, \
                                measures, N(measures), poly}

/* The same metric of the same subject, date, area and unit is one quantity, whoever states it. */
static const char *const observation_claim[] = {"metric", "subject_type", "subject_id", "as_of", "geography", "unit",
                                                "is_change", NULL};
static const char *const result_claim[] = {"question_id", "option_id", "breakdown", "grp", NULL};
static const mu_measure mutual_measures[] = {{"staff", "staff_qualifier", NULL, "people", NULL, NULL, NULL}};
static const mu_measure programme_measures[] = {{"amount", "qualifier", "unit", NULL, NULL, NULL, NULL}};
static const mu_measure observation_measures[] = {
  {"value", "qualifier", "unit", NULL, "as_of", "geography", observation_claim},
};
static const mu_measure result_measures[] = {{"share", "qualifier", NULL, "share", NULL, NULL, result_claim}};
static const mu_measure survey_measures[] = {{"respondents", NULL, NULL, "respondents", NULL, NULL, NULL}};
static const mu_measure no_measures[] = {{NULL, NULL, NULL, NULL, NULL, NULL, NULL}};
static const mu_poly subject_ref = {"subject_type", "subject_id", "sector", NULL};
static const mu_poly alias_ref = {"entity", "target_id", "", NULL};
static const mu_poly claim_ref = {"subject_type", "subject_id", "", "field"};

ENTITY(e_source, "source", "sources", "sources", "key", "title", source_fields, source_rels,
       "A document that figures come from: a seed, a web page, an imported or fetched file.");
ENTITY(e_body, "body", "bodies", "bodies", "abbrev", "name", body_fields, body_rels,
       "A government department or public body (central, NHS, local, arm's-length, parliamentary).");
ENTITY(e_org, "organisation", "organisations", "organisations", "name", "name", organisation_fields,
       plain_rels, "A non-government organisation named in the sources.");
ENTITY(e_person, "person", "people", "people", "name", "name", person_fields, plain_rels,
       "A person named in the sources, with the role the source gives.");
ENTITY(e_event, "event", "events", "events", NULL, "name", event_fields, plain_rels,
       "A dated event: launches, conferences, rulings.");
ENTITY(e_sector, "sector", "sectors", "sectors", "name", "name", sector_fields, sector_rels,
       "A service area in which mutuals operate.");
ENTITY_M(e_mutual, "mutual", "mutuals", "mutuals", "name", "name", mutual_fields, mutual_rels,
       "A public service mutual: spun out, in the pipeline, proposed, blocked, failed or dissolved.",
       mutual_measures, NULL);
ENTITY(e_status, "status_change", "status_changes", "status_changes", NULL, "status", status_change_fields,
       status_change_rels, "A dated change in a mutual's lifecycle, as one source reports it.");
ENTITY_M(e_prog, "programme", "programmes", "programmes", "key", "name", programme_fields, programme_rels,
       "A programme, fund, target or cost figure.",
       programme_measures, NULL);
ENTITY_M(e_obs, "observation", "observations", "observations", NULL, "metric", observation_fields,
       plain_rels, "A measured figure with unit, date, qualifier and source.",
       observation_measures, &subject_ref);
ENTITY(e_barrier, "barrier", "barriers", "barriers", "key", "name", barrier_fields, barrier_rels,
       "A barrier to mutualisation named in the sources.");
ENTITY(e_rec, "recommendation", "recommendations", "recommendations", "key", "text", recommendation_fields,
       recommendation_rels, "A Mutuals Taskforce recommendation, its deadline, status and response.");
ENTITY_M(e_survey, "survey", "surveys", "surveys", "key", "title", survey_fields, survey_rels,
       "A staff survey: who ran it, when, whom it asked and how many answered.",
       survey_measures, NULL);
ENTITY(e_question, "question", "questions", "questions", NULL, "key", question_fields, question_rels,
       "A survey question.");
ENTITY(e_option, "option", "options", "options", NULL, "key", option_fields, option_rels,
       "An answer option of a survey question.");
ENTITY_M(e_result, "result", "results", "results", NULL, "grp", result_fields, result_rels,
       "A published share: the share of a group giving an answer, with its base where known.",
       result_measures, NULL);
ENTITY(e_response, "response", "responses", "responses", NULL, "respondent", response_fields, response_rels,
       "One respondent's answer to one question (microdata), with weight.");
ENTITY(e_respondent, "respondent", "respondents", "respondents", NULL, "key", respondent_fields, respondent_rels,
       "A survey respondent: the design (weight, stratum, PSU, fpc) and attributes; its answers are the responses "
       "with the same survey and respondent key.");
ENTITY(e_group, "survey_group", "survey_groups", "survey_groups", NULL, "grp", survey_group_fields,
       survey_group_rels, "The size of a survey group, published or derived.");
ENTITY(e_mutual_sector, "mutual_sector", "mutual_sectors", "mutual_sectors", NULL, "mutual_id",
       mutual_sector_fields, mutual_sector_rels, "Links a mutual to a service area it works in.");
ENTITY(e_rec_barrier, "recommendation_barrier", "recommendation_barriers", "recommendation_barriers", NULL,
       "recommendation_id", recommendation_barrier_fields, recommendation_barrier_rels,
       "Links a recommendation to a barrier it addresses.");
ENTITY(e_rec_body, "recommendation_body", "recommendation_bodies", "recommendation_bodies", NULL,
       "recommendation_id", recommendation_body_fields, recommendation_body_rels,
       "Links a recommendation to a body it is addressed to.");
ENTITY(e_publication, "publication", "publications", "publications", "key", "title", publication_fields,
       publication_rels, "A publication the sources discuss, above all the Taskforce's report \"Public Service Mutuals: "
       "The Next Steps\"; its title variants are aliases.");
ENTITY(e_source_publication, "source_publication", "source_publications", "source_publications", NULL, "source_id",
       source_publication_fields, source_publication_rels, "Links a source to a publication it discusses.");
ENTITY(e_mutual_body, "mutual_body", "mutual_bodies", "mutual_bodies", NULL, "role", mutual_body_fields,
       mutual_body_rels, "A body a mutual is tied to besides its principal parent: a second parent, the department "
       "that sponsors it, a commissioner or a partner, as one source says.");
ENTITY_M(e_claim, "claim", "claims", "claims", NULL, "field", claim_fields, plain_rels,
       "One source's value of one field of a row, kept when the sources disagree (the row's own field then stays "
       "unknown, or `mutuals check` asks why not).",
       no_measures, &claim_ref);
ENTITY(e_sector_list, "sector_list", "sector_lists", "sector_lists", NULL, "sector_id", sector_list_fields,
       sector_list_rels, "A service area named by a publication's list (the Taskforce's twelve), so that areas seen "
       "only elsewhere are never counted toward it.");
ENTITY(e_derivation, "derivation", "derivations", "derivations", NULL, "op", derivation_fields, derivation_rels,
       "How a derived figure follows from two others (result = a op b), so that it can be checked.");
ENTITY_M(e_alias, "alias", "aliases", "aliases", NULL, "alias", alias_fields, plain_rels,
       "Another name of a row: a full name, an abbreviation, an old name, or a source's variant or misspelling, "
       "kept as written. get(), import references and where{} resolve through them.",
       no_measures, &alias_ref);
ENTITY(e_known_issue, "known_issue", "known_issues", "known_issues", "check_key", "check_key", known_issue_fields,
       plain_rels, "The explanation of a problem `mutuals check` reports that the data keeps on purpose.");
static const mu_entity e_run = {"run", "runs", "runs", NULL, "script", run_fields, N(run_fields), NULL, 0,
  "One run of a report script: when, with what arguments, what it wrote and how it ended.", NULL, 0, NULL};
ENTITY_M(e_finding, "finding", "findings", "findings", NULL, "text", finding_fields, plain_rels,
       "A non-numeric claim of one source about a subject.",
       no_measures, &subject_ref);   /* findings state no figures: an empty measure list */

/* In the order a store can be filled in: each entity after those it refers to (an export of every entity,
   imported in this order into an empty store, round-trips). */
const mu_entity *const mu_entities[] = {
  &e_source, &e_body, &e_org, &e_person, &e_event, &e_sector, &e_mutual, &e_status, &e_prog,
  &e_obs, &e_barrier, &e_rec, &e_survey, &e_question, &e_option, &e_result, &e_respondent, &e_response,
  &e_group, &e_finding, &e_mutual_sector, &e_rec_barrier, &e_rec_body, &e_derivation, &e_known_issue,
  &e_publication, &e_source_publication, &e_sector_list, &e_mutual_body, &e_claim, &e_alias, &e_run, NULL,
};

const mu_entity *mu_entity_find(const char *name) {
  for (const mu_entity *const *e = mu_entities; *e; e++)
    if (strcmp((*e)->name, name) == 0 || strcmp((*e)->plural, name) == 0) return *e;
  if (strcmp(name, "departments") == 0 || strcmp(name, "department") == 0) return &e_body;
  return NULL;
}

int mu_field_index(const mu_entity *e, const char *name) {
  for (size_t i = 0; i < e->nfields; i++)
    if (strcmp(e->fields[i].name, name) == 0) return (int)i;
  return -1;
}

const mu_field *mu_field_find(const mu_entity *e, const char *name) {
  int i = mu_field_index(e, name);
  return i < 0 ? NULL : &e->fields[i];
}

const mu_measure *mu_measure_of(const mu_entity *e, const mu_field *f) {
  for (size_t i = 0; i < e->nmeasures; i++)
    if (e->measures[i].value && strcmp(e->measures[i].value, f->name) == 0) return &e->measures[i];
  return NULL;
}

int mu_field_numeric(const mu_field *f) {
  return f->type == MU_T_INT || f->type == MU_T_REAL;
}

const mu_relation *mu_relation_find(const mu_entity *e, const char *name) {
  for (size_t i = 0; i < e->nrels; i++)
    if (strcmp(e->rels[i].name, name) == 0) return &e->rels[i];
  return NULL;
}
