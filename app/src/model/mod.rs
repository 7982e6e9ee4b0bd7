//! Types shared by the browser and the server.

mod agent;
mod approval;
mod approval_route;
mod audit;
mod backtest;
mod decision;
mod policy;
mod role;
mod time_format;
mod trace;
mod user;

pub use agent::{
    AgentDetail, AgentKeySummary, AgentSummary, Binding, DecisionSummary, Freeze, IssuedAgentKey,
};
pub use approval::{Answer, ApprovalInbox, ApprovalItem, ApprovalRequestView, InboxFilter};
pub use approval_route::{ApprovalRoute, DefinedRoute, Delivery, DeliveryAttempt, Integration};
pub use audit::{AuditPage, AuditQuery, AuditRecord, AUDIT_AREAS, AUDIT_PAGE_SIZE};
pub use backtest::{
    BacktestProgress, BacktestReport, BacktestState, ChangedEvaluation, OutcomeTransition,
    DEFAULT_BACKTEST_DAYS, LISTED_CHANGES, MAX_BACKTEST_DAYS,
};
pub use decision::{ApprovalStatus, AutomationMode, CloseAction, DecisionStatus, EventKind};
pub use policy::{
    DiffKind, DiffLine, PolicyDraft, PolicyStatus, PolicySummary, PolicyVersion,
    PolicyVersionSummary, RecentEvaluation,
};
pub use role::{Permission, Role};
pub use time_format::{format_relative, format_utc};
pub use trace::{
    ChainBreak, EventWindow, PolicyUse, ReplayDifference, ReplayReport, ReplayedEvaluation,
    TraceApproval, TraceApprovalRecord, TraceCharts, TraceCursor, TraceDetail, TraceEvaluation,
    TraceEvent, TraceExportLine, TraceFilter, TracePage, TraceQuery, TraceSummary, Verification,
    VolumeBucket, WaitBucket, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE,
};
pub use user::{CurrentUser, DisplayName, Email, Password, TokenSummary, UserId, UserSummary};
