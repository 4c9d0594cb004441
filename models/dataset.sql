-- The bundled dataset: every figure and named entity of the five seed
-- documents (../shared/seeds) and the cited further sources, each row tied to
-- the document it came from. Where sources disagree both claims are kept.
-- Unknown is NULL. Loaded into a new store inside one transaction.

INSERT INTO sources (id, key, title, publisher, author, published, location, kind, note) VALUES
 (1, 'seed000', 'Headlines: June 26th, 2012', NULL, NULL, '2012-06-26', '000_43e3e1d897316965.txt', 'seed', NULL),
 (2, 'seed001', 'Analysis: The Public Sector Mutuals next steps report', NULL, 'David Ainsworth', NULL,
     '001_5ed111ad56ba703e.txt', 'seed',
     'Undated; refers to the report launch (25 June 2012) as "last week", so published in late June or early July 2012.'),
 (3, 'seed002', 'Taskforce calls for action to expand public service mutuals', 'London School of Economics', NULL, '2012-06-26',
     '002_be80a463b6867683.txt', 'seed', 'LSE website archive, news 2012.'),
 (4, 'seed003', 'Public service mutuals: four issues that need continued attention', 'Guardian Professional',
     'Kristian Scholfield', NULL, '003_10364831b9d51572.txt', 'seed',
     'Title supplied (the seed has none). Undated; says the Community Right to Challenge "went live last month" (27 June 2012), so probably July 2012.'),
 (5, 'seed004', 'Tag Archives: mutualisation', 'Campaign4Change', 'David Bicknell; Tony Collins', NULL,
     '004_33fabf456869fd53.txt', 'seed', 'Blog posts from 2011, individually undated in the seed.'),
 (6, 'csw_ship', 'Special report: rebuilding the ship of state', 'Civil Service World', NULL, '2012',
     'https://www.civilserviceworld.com/in-depth/article/special-report-rebuilding-the-ship-of-state', 'web', NULL),
 (7, 'csw_mutual', 'Special report: the feeling isn''t mutual', 'Civil Service World', NULL, '2012',
     'https://civilserviceworld.com/special-report-the-feeling-isnt-mutual', 'web', NULL),
 (8, 'lse_2011', 'Mutuals Taskforce announced', 'London School of Economics', NULL, '2011-02',
     'http://www.lse.ac.uk/website-archive/newsAndMedia/newsArchives/2011/02/MutualsTaskforce.aspx', 'web', NULL),
 (9, 'bssec', 'Mutuals Task Force reviews progress towards public service mutuals', 'BSSEC', NULL, '2012',
     'http://bssec.org.uk/mutuals-task-force-reviews-progress-towards-public-service-mutuals/', 'web', NULL),
 (10, 'thirdsector_2012', 'Government departments set plans for public sector mutuals within a year, taskforce report says',
     'Third Sector', NULL, '2012',
     'https://www.thirdsector.co.uk/government-departments-set-plans-public-sector-mutuals-year-taskforce-report-says/policy-and-politics/article/1137976',
     'web', NULL),
 (11, 'thirdsector_2013', 'Mutuals spun out of government have increased turnover 15 per cent', 'Third Sector', NULL, '2013',
     'https://www.thirdsector.co.uk/mutuals-spun-government-have-increased-turnover-15-per-cent/policy-and-politics/article/1189104',
     'web', NULL),
 (12, 'govuk_crtc', 'Community Right to Challenge comes into force', 'GOV.UK', NULL, '2012-06-27',
     'https://www.gov.uk/government/news/community-right-to-challenge-comes-into-force', 'web', NULL),
 (13, 'number10_2012', 'Start a public service mutual', 'Number 10 (web archive)', NULL, '2012-08-16',
     'https://webarchive.nationalarchives.gov.uk/20120816235154/http:/www.number10.gov.uk/take-part/public-services/start-a-public-service-mutual/',
     'web', 'Archived 16 August 2012.'),
 (14, 'guardian_2013', 'Public sector mutuals: five lessons', 'The Guardian', NULL, '2013-04-30',
     'http://www.theguardian.com/public-leaders-network/2013/apr/30/public-sector-mutuals-five-lessons', 'web', NULL),
 (15, 'publicnet_2013', 'Mutuals need external finance from social and commercial lenders', 'PublicNet', NULL, '2013-07-23',
     'http://www.publicnet.co.uk/news/2013/07/23/mutuals-need-external-finance-from-social-and-commercial-lenders/', 'web', NULL),
 (16, 'wiredgov_2014', 'Cabinet Office: mutuals reach century of success', 'WiredGov', NULL, '2014-07-23',
     'http://www.wired-gov.net/wg/news.nsf/print/Cabinet+Office+mutuals+reach+century+success+23072014161500', 'web', NULL),
 (17, 'sel_2012', 'UK Cabinet Office launches first central government mutual', 'Social Enterprise Live', NULL, '2012-04-30',
     'http://www.socialenterpriselive.com/section/news/public-services/20120430/uk-cabinet-office-launches-first-central-government-mutual%E2%80%99',
     'web', NULL),
 (18, 'civilsociety_2012', 'NHS backs down over transfer of services to social enterprise', 'Civil Society', NULL, '2012-02',
     'https://www.civilsociety.co.uk/news/nhs-backs-down-over-transfer-of-services-to-social-enterprise.html', 'web', NULL),
 (19, 'healthestate', 'Pathfinder social enterprise transaction shifts focus', 'Health Estate Journal', NULL, NULL,
     'https://healthestatejournal.com/story/6908/pathfinder-social-enterprise-transaction-shifts-focus', 'web', NULL);

INSERT INTO bodies (id, abbrev, name, tier, source_id) VALUES
 (1, 'DWP', 'Department for Work and Pensions', 'central', 1),
 (2, 'HMRC', 'HM Revenue and Customs', 'central', 1),
 (3, 'DCLG', 'Department for Communities and Local Government', 'central', 1),
 (4, 'CO', 'Cabinet Office', 'central', 2),
 (5, 'BIS', 'Department for Business, Innovation and Skills', 'central', 10),
 (6, 'DfE', 'Department for Education', 'central', 10),
 (7, 'HO', 'Home Office', 'central', 10),
 (8, 'MoJ', 'Ministry of Justice', 'central', 10),
 (9, 'NHS Hull', 'NHS Hull', 'nhs', 19),
 (10, 'NHS Gloucestershire', 'NHS Gloucestershire', 'nhs', 18),
 (11, 'Audit Commission', 'Audit Commission', 'arms_length', 5),
 (12, 'PASC', 'Public Administration Select Committee', 'parliament', 5),
 (13, 'Whitehall', 'Whitehall (central government as a whole)', 'central', 1);

INSERT INTO organisations (id, name, kind, note, source_id) VALUES
 (1, 'Civil Service Live Network', 'media', 'Named by seed 000 as running the 2012 survey.', 1),
 (2, 'Social Enterprise UK', 'social_enterprise', NULL, 2),
 (3, 'Stepping Out', 'company', NULL, 2),
 (4, 'Stroud Against the Cuts', 'campaign', NULL, 2),
 (5, 'London School of Economics', 'university', NULL, 3),
 (6, 'Big Society Capital', 'investor', NULL, 3),
 (7, 'TPP Law', 'law_firm', 'Specialist public services law firm.', 4),
 (8, 'Guardian Professional', 'media', NULL, 4),
 (9, 'SEIF', 'investor', 'Named as a possible source of financial assistance.', 4),
 (10, 'Campaign4Change', 'media', NULL, 5),
 (11, 'BBC', 'media', NULL, 5),
 (12, 'The Guardian', 'media', NULL, 5),
 (13, 'Baxi Partnership', 'company', 'Employee-owned trust.', 5),
 (14, 'Westminster Briefing', 'company', NULL, 5),
 (15, 'Trustmarque', 'company', NULL, 5),
 (16, 'CBI', 'other', NULL, 5),
 (17, 'New Local Government Network', 'think_tank', NULL, 5),
 (18, 'Micro Focus', 'company', NULL, 5),
 (19, 'Reform', 'think_tank', NULL, 5),
 (20, 'Conservative Home', 'media', NULL, 5),
 (21, 'Landseer Partners', 'company', NULL, 5),
 (22, 'Civil Service World', 'media', 'Ran the 2012 opt-in poll according to its own articles.', 6),
 (23, 'Mutuals Taskforce', 'other', 'Independent body; leading experts in public policy, employee ownership and business.', 1);

INSERT INTO people (id, name, role, affiliation, source_id) VALUES
 (1, 'Francis Maude', 'Minister for the Cabinet Office', 'Cabinet Office', 2),
 (2, 'Julian Le Grand', 'Chair of the Mutuals Taskforce; Richard Titmuss Professor of Social Policy', 'London School of Economics', 3),
 (3, 'David Ainsworth', 'Journalist', NULL, 2),
 (4, 'Dan Gregory', 'Consultant working with mutual organisations', NULL, 2),
 (5, 'Craig Dearden-Phillips', 'Chief executive', 'Stepping Out', 2),
 (6, 'Ceri Jones', 'Head of policy', 'Social Enterprise UK', 2),
 (7, 'James Beecher', 'Member of campaign group', 'Stroud Against the Cuts', 2),
 (8, 'Kristian Scholfield', 'Senior solicitor, social enterprise team', 'TPP Law', 4),
 (9, 'David Bicknell', 'Blogger', 'Campaign4Change', 5),
 (10, 'Tony Collins', 'Blogger', 'Campaign4Change', 5),
 (11, 'James Landale', 'Deputy political editor', 'BBC', 5),
 (12, 'Campbell McDonald', 'Director', 'Baxi Partnership', 5),
 (13, 'Lord Digby Jones', 'Keynote speaker; former CBI Director-General', 'CBI', 5),
 (14, 'Richard Watson', 'Author and futurologist', NULL, 5),
 (15, 'Olivier Roth', 'Researcher', 'New Local Government Network', 5),
 (16, 'Gareth Davies', 'Managing director', 'Audit Commission', 5),
 (17, 'Stephen Kelly', 'Crown Commercial Representative; former head of Micro Focus', 'Cabinet Office', 5),
 (18, 'George Osborne', NULL, NULL, 5),
 (19, 'Ian Watmore', 'Permanent secretary', 'Cabinet Office', 5),
 (20, 'Bernard Jenkin', 'Conservative MP; chairman of the committee', 'Public Administration Select Committee', 5),
 (21, 'Kelvin Hopkins', 'Labour member of the committee', 'Public Administration Select Committee', 5),
 (22, 'Will Tanner', NULL, 'Reform', 5),
 (23, 'David Cameron', NULL, NULL, 5);

INSERT INTO events (id, name, date, place, note, source_id) VALUES
 (1, 'Mutuals Taskforce announced by Francis Maude', '2011-02-02', NULL, 'Chaired by Julian Le Grand.', 8),
 (2, 'Launch of "Public Service Mutuals: The Next Steps"', '2012-06-25', NULL, NULL, 10),
 (3, 'Westminster Briefing on mutual ownership models in public services', '2011-05-12', 'Westminster', 'Julian Le Grand invited.', 5),
 (4, 'Trustmarque TE2011 Customer Event, "Efficiency Through Technology"', '2011-05-20', 'Grand Connaught Rooms, London',
     'Keynotes: Lord Digby Jones and Richard Watson.', 5),
 (5, 'New Local Government Network mutuals conference', '2011-06-14', 'London', 'Speaker: Julian Le Grand.', 5),
 (6, 'Local elections', '2011-05-05', NULL, 'The Public Services White Paper was delayed until after them.', 5),
 (7, 'Open Public Services White Paper', NULL, NULL, 'Due "later this month" in a 2011 post; date not in the seed.', 5),
 (8, 'Community Right to Challenge comes into force', '2012-06-27', NULL, NULL, 12),
 (9, 'MyCSP launched', '2012-04-30', NULL, NULL, 17),
 (10, 'Gloucestershire judicial review settled; transfer not implemented', '2012-02-09', NULL, NULL, 18),
 (11, 'Mutuals Support Programme launched', '2011-12', NULL, NULL, 4),
 (12, 'Public Administration Select Committee hearing with Francis Maude and Ian Watmore', NULL, NULL, NULL, 5),
 (13, 'First wave of Pathfinder mutuals announced', NULL, NULL, NULL, 5);

INSERT INTO sectors (id, name, source_id) VALUES
 (1, 'Health', 3), (2, 'Social Work', 3), (3, 'Education', 3), (4, 'Leisure', 3),
 (5, 'Fire Services', 3), (6, 'Housing', 3), (7, 'Libraries', 3),
 (8, 'Probation', 2), (9, 'Youth Services', 2), (10, 'Social Care', 2),
 (11, 'Pensions Administration', 17), (12, 'Audit', 5);

INSERT INTO mutuals (id, name, parent_id, legal_form, status, staff, staff_qualifier, spun_out, note, source_id) VALUES
 (1, 'MyCSP', 1, 'joint_venture', 'operating', 500, 'approximately', '2012-04-30',
     'First civil service mutual. Seed 000 says DWP set it up; Social Enterprise Live reports the Cabinet Office launching it.', 1),
 (2, 'Essex Community Services', NULL, NULL, 'operating', NULL, NULL, '2011-04', NULL, 3),
 (3, 'Central Surrey Health', NULL, NULL, 'operating', NULL, NULL, NULL, 'Staff are co-owners.', 3),
 (4, 'City Health Care Partnership CIC', 9, 'cic', 'operating', NULL, NULL, NULL,
     'Hull. Seed 002 dates the spin-out 2009, Health Estate Journal 2010: see status_changes; spun_out left unknown.', 3),
 (5, 'Gloucestershire Care Services', 10, NULL, 'blocked', 3000, 'more_than', NULL,
     'Planned community interest company; blocked by campaigners and a judicial review.', 2),
 (6, 'Audit Commission (mutualised)', 3, NULL, 'proposed', NULL, NULL, NULL,
     'Suggested option when the commission is scrapped; DCLG undecided.', 5);

INSERT INTO mutual_sectors (mutual_id, sector_id) VALUES
 (1, 11), (2, 1), (3, 1), (4, 1), (5, 1), (6, 12);

INSERT INTO status_changes (mutual_id, status, date, note, source_id) VALUES
 (1, 'operating', '2012-04', 'Set up in April.', 1),
 (1, 'operating', '2012-04-30', NULL, 17),
 (2, 'operating', '2011-04', NULL, 3),
 (4, 'operating', '2009', NULL, 3),
 (4, 'operating', '2010', NULL, 19),
 (5, 'proposed', NULL, NULL, 2),
 (5, 'blocked', NULL, 'Blocked by Stroud Against the Cuts.', 2),
 (5, 'blocked', '2012-02-09', 'Judicial review settled; transfer not implemented.', 18),
 (6, 'proposed', NULL, NULL, 5);

INSERT INTO programmes (id, key, name, kind, amount, unit, qualifier, started, period, target_date, body_id, note, source_id) VALUES
 (1, 'msp', 'Mutuals Support Programme', 'fund', 10000000, 'GBP', 'exact', '2011-12', NULL, NULL, NULL,
     '£10m start-up fund for "promising" mutual proposals.', 4),
 (3, 'one_million', 'One million public servants working in mutuals', 'target', 1000000, 'people', 'exact', NULL, NULL,
     '2015', NULL, NULL, 4),
 (4, 'pre_spinout_cost', 'Pre spin-out business planning and initial contract stage, per mutual', 'cost', 120000, 'GBP',
     'up_to', NULL, NULL, NULL, NULL, 'An upper bound: "can cost up to £120,000".', 4),
 (5, 'mis', 'Mutuals Information Service', 'programme', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 4),
 (6, 'seif', 'SEIF', 'fund', NULL, 'GBP', NULL, NULL, NULL, NULL, NULL, NULL, 4),
 (7, 'pathfinders', 'Pathfinder mutuals', 'programme', NULL, NULL, NULL, NULL, NULL, NULL, 4, 'First wave launched.', 5),
 (8, 'crtc_support', 'Community Right to Challenge support programme', 'programme', 11500000, 'GBP', 'exact',
     '2012-06-27', '3 years', NULL, 3, 'In force 27 June 2012; £11.5m over three years.', 12);

INSERT INTO observations (metric, subject_type, subject_id, value, unit, as_of, qualifier, is_change, baseline, baseline_label,
                          geography, derived, note, source_id) VALUES
 ('mutuals', 'sector', NULL, 9, 'organisations', '2010', 'exact', 0, NULL, NULL, NULL, 0, NULL, 3),
 ('mutuals', 'sector', NULL, 58, 'organisations', '2012-06', 'at_least', 0, NULL, NULL, NULL, 0, '"at least 58"', 3),
 ('mutuals', 'sector', NULL, 58, 'organisations', '2012-06', 'exact', 0, NULL, NULL, NULL, 0,
     '"There are 58 organisations ... currently operating"', 2),
 ('mutuals_growth', 'sector', NULL, 6, 'ratio', '2012-06', 'exact', 1, 9, 'mutuals in 2010', NULL, 0,
     '"six-fold since 2010"; with 58 a lower bound the growth is at least 6.4-fold.', 3),
 ('mutuals_growth', 'sector', NULL, 6, 'ratio', NULL, 'exact', 1, NULL, 'since the advent of the Mutuals Information Service', NULL, 0,
     NULL, 4),
 ('staff', 'sector', NULL, 20000, 'people', '2012-06', 'exact', 0, NULL, NULL, NULL, 0, 'Combined staff of the 58 operating.', 2),
 ('staff', 'sector', NULL, 45000, 'people', '2012-08', 'around', 0, NULL, NULL, NULL, 0,
     '"around 45,000 people deliver public services through mutual organisations"; conflicts with 20,000.', 13),
 ('pipeline', 'sector', NULL, 40, 'projects', '2012-06', 'approximately', 0, NULL, NULL, NULL, 0, '"some 40 projects in the pipeline"', 3),
 ('pipeline', 'sector', NULL, 40, 'organisations', '2012-06', 'exact', 0, NULL, NULL, NULL, 0, '"another 40 organisations on the way"', 2),
 ('service_areas', 'sector', NULL, 4, 'service areas', '2010', 'exact', 0, NULL, NULL, NULL, 0, 'Health, Social Work, Education, Leisure.', 3),
 ('service_areas', 'sector', NULL, 12, 'service areas', '2012-06', 'exact', 0, NULL, NULL, NULL, 0,
     'Including Fire Services, Housing and Libraries.', 3),
 ('turnover', 'sector', NULL, 1000000000, 'GBP', '2012-06', 'more_than', 0, NULL, NULL, NULL, 0, 'Turnover of the 58 mutuals.', 9),
 ('taskforce_recommendations', 'sector', NULL, 17, 'recommendations', '2012-06-25', 'exact', 0, NULL, NULL, NULL, 0, NULL, 10),
 ('mutuals', 'sector', NULL, 70, 'organisations', '2013-04', 'around', 0, NULL, NULL, NULL, 0, NULL, 14),
 ('mutuals', 'sector', NULL, 71, 'organisations', '2013-07', 'exact', 0, NULL, NULL, NULL, 0, '71 mutuals analysed.', 15),
 ('services_value', 'sector', NULL, 1200000000, 'GBP', '2013-07', 'exact', 0, NULL, NULL, NULL, 0, '£1.2bn of services.', 15),
 ('mutuals', 'sector', NULL, 100, 'organisations', '2014-07', 'exact', 0, NULL, NULL, 'England and Wales', 0, NULL, 16),
 ('staff', 'sector', NULL, 35000, 'people', '2014-07', 'exact', 0, NULL, NULL, 'England and Wales', 0, NULL, 16),
 ('public_services_market', 'sector', NULL, 79000000000, 'GBP', '2011', 'approximately', 0, NULL, NULL, NULL, 0,
     '"an industry valued at an estimated £79bn"', 5),
 ('parliaments_to_significant_size', 'sector', NULL, 1, 'parliaments', '2012-06-25', 'more_than', 0, NULL, NULL, NULL, 0,
     'Francis Maude: the agenda would take more than one parliament to reach significant size.', 2),
 ('years_to_success_stories', 'sector', NULL, 2, 'years', '2011', 'exact', 0, NULL, NULL, NULL, 0,
     'Campbell McDonald: without success stories "in two years'' time" the movement will struggle.', 5),
 ('sickness_days_per_employee', 'mutual', 2, -2, 'days', NULL, 'approximately', 1, NULL, 'since spinning out in April 2011', NULL, 0,
     'A change, not a level.', 3),
 ('staff_willing_to_go_beyond', 'mutual', 3, 0.98, 'share', NULL, 'exact', 0, 0.84, 'industry norm', NULL, 0, 'Of co-owners.', 3),
 ('efficiency_savings', 'mutual', 4, 600000, 'GBP', NULL, 'exact', 0, NULL, NULL, NULL, 0, 'Staff-wide efficiency exercise.', 3),
 ('patient_satisfaction', 'mutual', 4, 0.85, 'share', NULL, 'exact', 0, NULL, NULL, NULL, 0,
     'Rating the service "Excellent" or "Very Good".', 3),
 ('patient_satisfaction_change', 'mutual', 4, 7, 'percent (points or relative: ambiguous)', NULL, 'exact', 1, NULL,
     'since spinning out (2009 per seed 002)', NULL, 0, '"an improvement of 7%": whether points or a relative change is not stated.', 3),
 ('staff_preferring_nhs_trust', 'mutual', 5, 0.91, 'share', NULL, 'exact', 0, NULL, NULL, NULL, 0,
     'James Beecher: 91% of staff preferred a standalone NHS trust.', 2),
 ('staff', 'mutual', 5, 3000, 'people', '2012-02', 'more_than', 0, NULL, NULL, NULL, 0, NULL, 18),
 ('staff', 'mutual', 1, 500, 'people', '2012-04-30', 'approximately', 0, NULL, NULL, NULL, 0, NULL, 17),
 ('ownership_employees', 'mutual', 1, 0.25, 'share', '2012-04-30', 'exact', 0, NULL, NULL, NULL, 0, NULL, 17),
 ('ownership_private_partner', 'mutual', 1, 0.40, 'share', '2012-04-30', 'exact', 0, NULL, NULL, NULL, 0, NULL, 17),
 ('ownership_government', 'mutual', 1, 0.35, 'share', '2012-04-30', 'exact', 0, NULL, NULL, NULL, 0, NULL, 17),
 ('local_authorities_audited', 'body', 11, 0.70, 'share', '2011', 'exact', 0, NULL, NULL, NULL, 0,
     'The Audit Commission "currently audits 70% of local authorities".', 5),
 ('projects_approved', 'programme', 1, 12, 'projects', NULL, 'exact', 0, NULL, 'since launch in December 2011', NULL, 0,
     '"only 12 projects have been approved for assistance"', 4),
 ('departments_progressed', 'sector', NULL, 4, 'departments', '2013', 'exact', 0, 5, 'departments asked to act', NULL, 0,
     'Four of the five had made progress one year on; the Home Office had not.', 11),
 ('fund_size', 'programme', 8, 11500000, 'GBP', NULL, 'exact', 0, NULL, NULL, NULL, 0,
     'Seed 003: "a similar £11.5m fund"; the same fund as the support programme.', 4);

INSERT INTO barriers (id, key, name, kind, description, source_id) VALUES
 (1, 'eu_procurement', 'EU procurement regulations', 'legal',
     'Rules on market competition often mean a fledgling mutual dies in its nest.', 1),
 (2, 'lack_of_clarity', 'Lack of clarity in what mutualisation involves', 'technical', NULL, 1),
 (3, 'commissioner_training', 'Inadequate training for commissioners of services', 'technical', NULL, 1),
 (4, 'investment', 'Poor recognition of investment opportunities', 'financial', NULL, 1),
 (5, 'risk_averse_managers', 'Risk-averse managers, ignorant of the benefits', 'cultural',
     'A gulf in the middle where risk-averse managers impede progress.', 3),
 (6, 'attitudes', 'Attitudes to change, risk and failure among public servants', 'cultural', NULL, 4),
 (7, 'communication', 'Low awareness of mutuals among civil servants and local government officers', 'cultural', NULL, 4),
 (8, 'funding', 'Lack of early-stage funding and seed capital', 'financial', NULL, 4),
 (9, 'procurement', 'Procurement and market competition rules', 'legal', NULL, 4),
 (10, 'no_departmental_framework', 'Little framework in departments to support mutuals', 'technical',
     'Dan Gregory: probation, youth services and social care.', 2),
 (11, 'commissioning_environment', 'A commissioning environment that does not support mutuals', 'technical',
     'Ceri Jones: support later in the process but not for those starting out.', 2),
 (12, 'competition_with_private_firms', 'Mutuals cannot compete against big private firms in later tenders', 'cultural',
     'James Beecher.', 2),
 (13, 'no_staff_buy_in', 'Spin-outs proposed by managers without staff buy-in', 'cultural', 'James Beecher.', 2);

INSERT INTO recommendations (id, key, text, deadline, status, response, source_id) VALUES
 (1, 'eu_procurement_exemption', 'Exemptions from EU procurement regulations for new mutuals', NULL, 'unknown',
     'Francis Maude: aware of the problems with EU procurement regulations and will push for reform.', 3),
 (2, 'rights_to_provide', 'Implementing Rights to Provide, with clear pathways and appeals processes', NULL, 'unknown', NULL, 3),
 (3, 'commissioner_training', 'Training and guidance for public service commissioners', NULL, 'unknown', NULL, 3),
 (4, 'investment_analysis', 'Analysis of investment opportunities in mutuals by Big Society Capital', NULL, 'unknown', NULL, 3),
 (5, 'department_plans', 'A clear plan and vision for mutualisation in five departments', '2012-12', 'unknown', NULL, 2),
 (6, 'staff_pathways', 'A clear pathway for staff wishing to pursue mutualisation in those departments', '2013-04', 'unknown',
     NULL, 2),
 (7, 'independent_arbiter', 'An independent arbiter for appeals', NULL, 'unknown', NULL, 9);

INSERT INTO recommendation_barriers (recommendation_id, barrier_id) VALUES
 (1, 1), (1, 9), (2, 2), (3, 3), (3, 11), (4, 4), (4, 8), (5, 10), (5, 2), (6, 2), (6, 10), (7, 2);

-- Who names the addressees: seed 002 (Maude on EU procurement) and Third Sector
-- (the five departments, which seed 001 only counts).
INSERT INTO recommendation_bodies (recommendation_id, body_id, source_id) VALUES
 (1, 4, 3), (5, 5, 10), (5, 3, 10), (5, 6, 10), (5, 7, 10), (5, 8, 10), (6, 5, 10), (6, 3, 10), (6, 6, 10), (6, 7, 10),
 (6, 8, 10);

INSERT INTO surveys (id, key, title, organiser, fieldwork, population, method, respondents, note, source_id) VALUES
 (1, 'csl2012', 'Civil servants'' interest in mutualisation, 2012', 'Civil Service World', '2012-04/2012-05',
     'Civil servants', 'Online opt-in poll over two weeks in spring 2012', 1395,
     'Seed 000 attributes it to the Civil Service Live Network; CSW''s own articles differ on April or May.', 6);

INSERT INTO questions (id, survey_id, key, text, asked_of, source_id) VALUES
 (1, 1, 'interest', 'Would you be interested in exploring the idea of your organisation or team becoming a mutual, and leaving the civil service to become a social enterprise or business?', NULL, 1),
 (2, 1, 'attractions', 'What attracts you to mutualisation?', 'answered yes', 6),
 (3, 1, 'deterrents', 'What deters you from mutualisation?', 'answered no', 6);

INSERT INTO options (id, question_id, key, label, ordinal) VALUES
 (1, 1, 'yes', 'Yes', 1), (2, 1, 'no', 'No', 2), (3, 1, 'dont_know', 'Don''t know', 3),
 (4, 2, 'public_benefit', 'Focus on public benefit rather than institutional interests', 1),
 (5, 2, 'operational_freedom', 'Greater operational freedom', 2),
 (6, 2, 'financial_reward', 'The chance of financial reward', 3),
 (7, 3, 'ethos', 'The public sector best protects the ethos', 1),
 (8, 3, 'pensions', 'Losing public-sector pensions and terms', 2),
 (9, 3, 'takeover', 'Takeover by a private business or partner', 3);

INSERT INTO results (question_id, option_id, breakdown, grp, share, qualifier, base_n, count, count_derived, source_id) VALUES
 (1, 1, 'overall', 'all', 0.16, 'exact', NULL, NULL, 0, 1),
 (1, 2, 'overall', 'all', 0.69, 'exact', NULL, NULL, 0, 1),
 (1, 3, 'overall', 'all', 0.15, 'exact', NULL, NULL, 0, 1),
 (1, 2, 'department', 'DCLG', 0.78, 'exact', NULL, NULL, 0, 1),
 (1, 2, 'department', 'HMRC', 0.73, 'exact', NULL, NULL, 0, 1),
 (2, 4, 'answer', 'yes', 0.50, 'more_than', NULL, NULL, 0, 1),
 (2, 5, 'answer', 'yes', 0.50, 'more_than', NULL, NULL, 0, 1),
 (1, 1, 'overall', 'all', 0.16, 'exact', 1395, 223, 1, 6),
 (1, 2, 'overall', 'all', 0.69, 'exact', 1395, 963, 1, 6),
 (1, 3, 'overall', 'all', 0.15, 'exact', 1395, 209, 1, 6),
 (2, 4, 'answer', 'yes', 0.55, 'exact', NULL, NULL, 0, 6),
 (2, 5, 'answer', 'yes', 0.54, 'exact', NULL, NULL, 0, 6),
 (2, 6, 'answer', 'yes', 0.46, 'exact', NULL, NULL, 0, 6),
 (3, 7, 'answer', 'no', 0.56, 'exact', NULL, NULL, 0, 6),
 (3, 8, 'answer', 'no', 0.41, 'exact', NULL, NULL, 0, 6),
 (3, 9, 'answer', 'no', 0.36, 'exact', NULL, NULL, 0, 6);

INSERT INTO survey_groups (survey_id, breakdown, grp, n, derived, note, source_id) VALUES
 (1, 'overall', 'all', 1395, 0, NULL, 6),
 (1, 'grade', 'senior', 478, 0, 'Senior civil servants or grades 6 and 7.', 6),
 (1, 'grade', 'other', 917, 1, 'Inferred: 1,395 - 478.', 6);

INSERT INTO findings (subject_type, subject_id, text, as_of, source_id) VALUES
 ('survey', 1, 'No difference in appetite between senior and junior grades: both expressed similarly low levels of enthusiasm.', NULL, 1),
 ('survey', 1, 'Run by the Civil Service Live Network.', NULL, 1),
 ('body', 1, 'The department that has most vigorously pursued the mutualisation model in central government.', '2012-06', 1),
 ('mutual', 1, 'Set up by the Department for Work and Pensions.', '2012-04', 1),
 ('mutual', 1, 'Launched by the Cabinet Office as the first central government mutual.', '2012-04-30', 17),
 ('sector', NULL, 'Little support for mutualisation beyond Whitehall.', '2012-06', 1),
 ('sector', NULL, 'The government has not confirmed whether it accepts the Taskforce''s recommendations.', NULL, 4),
 ('sector', NULL, 'Ministers plan to increase the role of charities, social enterprises and employee-owned mutuals rather than "wholesale outsourcing".', '2011', 5),
 ('body', 4, 'Support outside the Cabinet Office, particularly in DCLG, is better than a year ago.', NULL, 2),
 ('body', 7, 'Had not made progress one year after the report; the other four departments had.', '2013', 11),
 ('body', 11, 'Interviews by NLGN found broad support for mutualisation among senior managers and employees.', '2011', 5),
 ('mutual', 4, 'Spun out in 2009.', NULL, 3),
 ('mutual', 4, 'Spun out of NHS Hull in 2010.', NULL, 19),
 ('mutual', 5, 'Halted by judicial review; settled 9 February 2012 with the transfer not implemented.', '2012-02-09', 18);

INSERT INTO derivations (result_id, op, a_id, b_id, note, source_id)
SELECT g.id, 'ratio', n.id, d.id, '"six-fold since 2010": from 9 to at least 58.', g.source_id
  FROM observations g, observations n, observations d
 WHERE g.metric = 'mutuals_growth' AND g.as_of = '2012-06' AND g.value = 6
   AND n.metric = 'mutuals' AND n.as_of = '2012-06' AND n.qualifier = 'at_least' AND n.value = 58
   AND d.metric = 'mutuals' AND d.as_of = '2010' AND d.value = 9;

-- What `mutuals check` finds in this data, and why it is kept.
INSERT INTO known_issues (check_key, explanation, source_id) VALUES
 ('rival:observation:6,7',
  'Sources disagree on staff in 2012: the Taskforce launch counts 20,000 staff in the 58 mutuals it counts; '
  || 'Number 10 says around 45,000 people deliver public services through mutual organisations two months later, '
  || 'perhaps counting more organisations. Both are kept and neither is preferred.', 13),
 ('rival:status_change:4,5',
  'Seed 002 dates the Hull spin-out 2009 and Health Estate Journal 2010: both are kept, and the mutual''s '
  || 'spun_out is left unknown.', 19),
 ('derived:observation:4',
  'Seed 002 calls the rise from 9 to at least 58 "six-fold"; its own figures give at least 6.4-fold. The '
  || 'word is kept as the source wrote it, and the derivation says what it came from.', 3);
