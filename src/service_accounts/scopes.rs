//! Scopes: which root fields an API key may call, besides what its account's role allows.
//!
//! A scope names a resource and an access, `leads:read` or `leads:write`; a write scope grants
//! the resource's reads too. `leads:create` grants `createLead` alone (web-form intake). Every
//! root query and mutation is classified here; a test fails when a new one is not. Signing in,
//! webhooks, service accounts and keys are never open to keys, nor are subscriptions (API keys
//! are accepted over HTTP only).
//!
//! Just over 500 lines: one table classifying every root field; splitting it would scatter
//! the one list a new field must join.

/// Every scope an account may be granted.
pub const SCOPES: &[&str] = &[
    "leads:create",
    "leads:read",
    "leads:write",
    "customers:read",
    "customers:write",
    "deals:read",
    "deals:write",
    "activities:read",
    "activities:write",
    "contracts:read",
    "contracts:write",
    "billing:read",
    "billing:write",
    "products:read",
    "products:write",
    "quotes:read",
    "quotes:write",
    "orders:read",
    "orders:write",
    "service:read",
    "service:write",
    "campaigns:read",
    "campaigns:write",
    "reports:read",
    "users:read",
    "users:write",
    "settings:read",
    "settings:write",
    "audit:read",
];

/// What calling a root field with an API key takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Any key: who am I, what is this server.
    Anyone,
    /// Any key holding a read (or write) scope: `node`, `nodes`, whose records' own visibility
    /// rules apply.
    AnyRead,
    /// This scope (or the resource's write scope for a read one).
    Scope(&'static str),
    /// No key: signing in, webhooks, service accounts and their keys.
    Never,
}

/// Root fields by the scope they need; `:read` fields are granted by `:write` too.
const TABLE: &[(&str, &[&str])] = &[
    ("leads:read", &["leads", "leadPool", "lead"]),
    (
        "leads:write",
        &[
            "updateLead",
            "claimLead",
            "releaseLead",
            "assignLead",
            "disqualifyLead",
            "convertLead",
        ],
    ),
    (
        "customers:read",
        &["customers", "customer", "nearbyCustomers", "search"],
    ),
    (
        "customers:write",
        &[
            "createCustomer",
            "updateCustomer",
            "addContact",
            "updateContact",
            "pinCustomerGrade",
            "unpinCustomerGrade",
            "setCustomerInfluence",
        ],
    ),
    (
        "deals:read",
        &[
            "opportunities",
            "opportunity",
            "funnel",
            "forecast",
            "staleOpportunities",
            "competitors",
            "winLossReport",
            "forecastDraft",
            "companyForecast",
            "forecastSubmissions",
        ],
    ),
    (
        "deals:write",
        &[
            "createOpportunity",
            "updateOpportunity",
            "moveOpportunityStage",
            "winOpportunity",
            "loseOpportunity",
            "setOpportunitySplits",
            "reopenOpportunity",
            "completeChecklistItem",
            "uncompleteChecklistItem",
            "createCompetitor",
            "updateCompetitor",
            "setOpportunityCompetitors",
            "transferOwnership",
            "submitForecast",
            "adjustForecast",
            "submitTeamForecast",
            "setOpportunityLineItems",
        ],
    ),
    (
        "activities:read",
        &[
            "activities",
            "myAgenda",
            "attachments",
            "myDailyReport",
            "myWeeklyReport",
            "dailyReports",
            "weeklyReports",
            "myVisitTasks",
            "myVisitRoute",
            "visitTasks",
            "visitTask",
            "visitStats",
            "notifications",
        ],
    ),
    (
        "activities:write",
        &[
            "logFollowUp",
            "createActivity",
            "updateActivity",
            "completeActivity",
            "uploadAttachment",
            "deleteAttachment",
            "submitDailyReport",
            "submitWeeklyReport",
            "commentOnReport",
            "markNotificationsRead",
            "planVisit",
            "rescheduleVisit",
            "cancelVisit",
            "checkInVisit",
            "checkOutVisit",
        ],
    ),
    (
        "contracts:read",
        &[
            "contracts",
            "contract",
            "myPendingApprovals",
            "approvalRequest",
        ],
    ),
    (
        "contracts:write",
        &[
            "createContract",
            "updateContract",
            "cancelContract",
            "markContractSigned",
            "completeContract",
            "amendContract",
            "submitContract",
            "approveRequest",
            "rejectRequest",
            "withdrawRequest",
        ],
    ),
    (
        "billing:read",
        &[
            "invoices",
            "payments",
            "receivables",
            "receivablesAging",
            "collectionForecast",
            "verifyLedger",
            "refunds",
        ],
    ),
    (
        "billing:write",
        &[
            "setCollectionPlan",
            "issueInvoice",
            "voidInvoice",
            "recordPayment",
            "reversePayment",
            "requestWaiver",
            "requestRefund",
            "recordRefund",
        ],
    ),
    (
        "products:read",
        &[
            "products",
            "product",
            "productLines",
            "priceBooks",
            "priceBook",
            "priceBookEntries",
        ],
    ),
    (
        "products:write",
        &[
            "createProduct",
            "updateProduct",
            "archiveProduct",
            "createProductLine",
            "updateProductLine",
            "archiveProductLine",
            "createPriceBook",
            "updatePriceBook",
            "archivePriceBook",
            "setPriceBookEntries",
        ],
    ),
    ("quotes:read", &["quotes", "quote"]),
    (
        "quotes:write",
        &[
            "createQuote",
            "updateQuote",
            "submitQuote",
            "markQuoteSent",
            "acceptQuote",
            "rejectQuote",
        ],
    ),
    ("orders:read", &["orders", "order"]),
    (
        "orders:write",
        &["createOrder", "cancelOrder", "recordDelivery"],
    ),
    (
        "service:read",
        &["callbacks", "myCallbacks", "tickets", "ticket"],
    ),
    (
        "service:write",
        &[
            "completeCallback",
            "rescheduleCallback",
            "openTicket",
            "assignTicket",
            "commentOnTicket",
            "changeTicketStatus",
        ],
    ),
    ("campaigns:read", &["campaigns", "campaign"]),
    (
        "campaigns:write",
        &[
            "createCampaign",
            "updateCampaign",
            "addCampaignMembers",
            "recordCampaignCost",
        ],
    ),
    (
        "reports:read",
        &[
            "activityReport",
            "targetPlan",
            "salesTargets",
            "targetAllocation",
            "pipelineVelocity",
            "leadSourceReport",
            "serviceReport",
            "customerRetention",
            "salesPerformance",
            "campaignReport",
        ],
    ),
    ("users:read", &["user", "users", "teams"]),
    (
        "users:write",
        &["createUser", "updateUser", "createTeam", "updateTeam"],
    ),
    (
        "settings:read",
        &[
            "scoringRules",
            "pipelineStages",
            "winReasons",
            "lossReasons",
            "approvalPolicy",
            "quoteSettings",
            "callbackRules",
            "ticketSla",
            "customerHealthRules",
        ],
    ),
    (
        "settings:write",
        &[
            "updateScoringRules",
            "updatePipelineStages",
            "updateCloseReasons",
            "updateApprovalPolicy",
            "updateQuoteSettings",
            "updateCallbackRules",
            "updateTicketSla",
            "updateCustomerHealthRules",
            "setSalesTarget",
        ],
    ),
    ("audit:read", &["auditLog"]),
];

/// Root fields no key may call.
const NEVER: &[&str] = &[
    "login",
    "refreshToken",
    "logout",
    "changePassword",
    "webhooks",
    "webhookDeliveries",
    "createWebhook",
    "updateWebhook",
    "rotateWebhookSecret",
    "deleteWebhook",
    "redeliverWebhook",
    "serviceAccounts",
    "createServiceAccount",
    "updateServiceAccount",
    "createApiKey",
    "revokeApiKey",
    // Files are for people; keys read and write through the API.
    "startExport",
    "startImport",
    "importJob",
    // Merging is a person's judgement.
    "mergeCustomers",
    "mergeContacts",
    "mergeLeads",
    "undoMerge",
    // So is deleting: the recycle bin is for people who can restore what they removed.
    "deleteLead",
    "deleteCustomer",
    "deleteContact",
    "deleteOpportunity",
    "deleteActivity",
    "recycleBin",
    "restoreRecord",
];

/// What calling the root field `field` with an API key takes (unknown fields: [`Need::Never`]).
pub fn need(field: &str) -> Need {
    match field {
        "serverInfo" | "me" => return Need::Anyone,
        "node" | "nodes" => return Need::AnyRead,
        "createLead" => return Need::Scope("leads:create"),
        _ => {}
    }
    TABLE
        .iter()
        .find(|(_, fields)| fields.contains(&field))
        .map_or(Need::Never, |(scope, _)| Need::Scope(scope))
}

/// Whether `granted` scopes satisfy `need`.
pub fn allows(granted: &[String], need: Need) -> bool {
    let has = |scope: &str| granted.iter().any(|g| g == scope);
    match need {
        Need::Anyone => true,
        Need::Never => false,
        Need::AnyRead => granted
            .iter()
            .any(|g| g.ends_with(":read") || g.ends_with(":write")),
        Need::Scope(scope) => {
            let (resource, access) = scope.split_once(':').unwrap_or((scope, ""));
            has(scope)
                || (access != "write" && has(&format!("{resource}:write")))
                || (scope == "leads:create" && has("leads:write"))
        }
    }
}

/// Checks and normalises granted scopes: known, each once, in [`SCOPES`] order. Errors name the
/// first unknown one.
pub fn parse(scopes: &[String]) -> Result<Vec<&'static str>, (usize, String)> {
    for (i, scope) in scopes.iter().enumerate() {
        if !SCOPES.contains(&scope.trim()) {
            return Err((i, scope.clone()));
        }
    }
    Ok(SCOPES
        .iter()
        .copied()
        .filter(|known| scopes.iter().any(|s| s.trim() == *known))
        .collect())
}

/// Whether a root field is classified (tested against the served schema).
pub fn classified(field: &str) -> bool {
    need(field) != Need::Never || NEVER.contains(&field)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn granted(scopes: &[&str]) -> Vec<String> {
        scopes.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn write_grants_read_and_create_but_not_the_reverse() {
        let write = granted(&["leads:write"]);
        assert!(allows(&write, need("leads")));
        assert!(allows(&write, need("createLead")));
        assert!(allows(&write, need("assignLead")));
        let create = granted(&["leads:create"]);
        assert!(allows(&create, need("createLead")));
        assert!(!allows(&create, need("leads")));
        assert!(!allows(&create, need("assignLead")));
        assert!(!allows(&create, need("node")));
        let read = granted(&["leads:read"]);
        assert!(!allows(&read, need("createLead")));
        assert!(!allows(&read, need("updateLead")));
        assert!(allows(&read, need("node")));
    }

    #[test]
    fn sign_in_and_key_management_are_never_open() {
        let everything: Vec<String> = SCOPES.iter().map(|s| (*s).to_owned()).collect();
        for field in NEVER {
            assert!(!allows(&everything, need(field)), "{field}");
        }
        assert!(!allows(&everything, need("somethingNew")));
        assert!(allows(&[], need("me")));
    }

    #[test]
    fn every_table_scope_is_a_known_scope() {
        for (scope, _) in TABLE {
            assert!(SCOPES.contains(scope), "{scope}");
        }
    }

    #[test]
    fn parse_refuses_unknown_scopes_and_orders_known_ones() {
        assert_eq!(
            parse(&granted(&["deals:read", "leads:create", "deals:read"])),
            Ok(vec!["leads:create", "deals:read"])
        );
        assert_eq!(
            parse(&granted(&["leads:create", "leads:delete"])),
            Err((1, "leads:delete".to_owned()))
        );
    }

    #[test]
    fn every_served_root_field_is_classified() {
        let schema = include_str!("../../schema.graphql");
        let mut in_root = false;
        let mut checked = 0;
        let mut in_description = false;
        for line in schema.lines() {
            if line.starts_with("type Query ") || line.starts_with("type Mutation ") {
                in_root = true;
                continue;
            }
            if in_root && line.starts_with('}') {
                in_root = false;
                continue;
            }
            let Some(rest) = line.strip_prefix('\t').filter(|_| in_root) else {
                continue;
            };
            // Descriptions (`"""` blocks) are skipped.
            if rest.trim_start().starts_with("\"\"\"") {
                if rest.matches("\"\"\"").count() == 1 {
                    in_description = !in_description;
                }
                continue;
            }
            if in_description {
                continue;
            }
            let name: String = rest
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            if !name.is_empty() {
                checked += 1;
                assert!(classified(&name), "{name} needs a scope (or NEVER)");
            }
        }
        assert!(checked > 100, "read {checked} root fields");
    }
}
