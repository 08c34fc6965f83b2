//! Service tickets: a customer's complaints and requests, worked by customer service.
//!
//! - **Opening**: customer service and admins open tickets on any customer, sellers on the
//!   customers they see (finance: `FORBIDDEN`). A ticket is numbered `T-<year>-<seq>` and due
//!   within its priority's promised hours (`ticketSla`, set by admins; by default urgent 4,
//!   high 24, normal 72, low 168), counted in calendar hours from opening (or reopening).
//! - **Working**: customer service and admins assign (`assignTicket`, to an active member of
//!   customer service or an admin) and move tickets through `OPEN → IN_PROGRESS ⇄
//!   WAITING_CUSTOMER → RESOLVED → CLOSED`; a resolved or closed ticket only goes back by
//!   reopening (`OPEN`), so `CLOSED → IN_PROGRESS` is `INVALID_STATE`. Every status change,
//!   assignment, reopening and escalation is an event of the ticket's history.
//! - **Comments**: internal (staff) or customer-visible; customer service, admins and the
//!   sellers of the customer write them; finance reads the customer-visible ones.
//! - **Escalation**: a ticket unresolved past its due time is escalated once by the sweep, to
//!   the support lead (the manager of the assignee's team; every active admin when there is
//!   none) and the customer's owner (`TICKET_ESCALATED`).
//! - Whoever sees a customer sees its tickets; a ticket's assignee sees it too.

pub mod graphql;
pub mod loaders;
pub mod model;
pub mod service;
pub mod sweep;
pub mod types;
