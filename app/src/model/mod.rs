//! Types shared by the browser and the server.

mod action;
mod agent;
mod api_reference;
mod approval;
mod approval_route;
mod audit;
mod backtest;
mod decision;
pub(crate) mod event;
mod policy;
mod product;
mod product_use;
mod role;
pub mod text;
mod time_format;
mod trace_query;
mod trace_views;
mod user;

pub use action::{Action, EvaluatedAction};
pub use agent::{
    AgentDetail, AgentKeySummary, AgentSummary, Binding, DecisionSummary, Freeze, IssuedAgentKey,
};
pub use api_reference::{ApiField, ApiGroup, ApiOperation, ApiReference, ApiResponse};
pub use approval::{
    Answer, ApprovalEvaluation, ApprovalInbox, ApprovalItem, ApprovalRequestView, InboxFilter,
    LabelledInput,
};
pub use approval_route::{ApprovalRoute, DefinedRoute, Delivery, DeliveryAttempt, Integration};
pub use audit::{AuditPage, AuditQuery, AuditRecord, AUDIT_AREAS, AUDIT_PAGE_SIZE};
pub use backtest::{
    BacktestProgress, BacktestReport, BacktestState, ChangedEvaluation, OutcomeTransition,
    DEFAULT_BACKTEST_DAYS, LISTED_CHANGES, MAX_BACKTEST_DAYS,
};
pub use decision::{
    ApprovalStatus, AutomationMode, CloseAction, DecisionStatus, EventKind, RefusalCode,
};
pub use event::{
    ApprovalRequested, ApprovalResolved, ApprovalVoided, ApprovalVote, ClosingAction, ContextAdded,
    DecisionClosed, DecisionOpened, EventPayload, PolicyEvaluated, Read, ReadRefused, Snapshot,
    Write, WriteRefused,
};
pub use policy::{
    DiffKind, DiffLine, PolicyDraft, PolicyStatus, PolicySummary, PolicyVersion,
    PolicyVersionSummary, RecentEvaluation,
};
pub use product::{
    Classification, ProductApplied, ProductDetail, ProductGrant, ProductOperation, ProductSummary,
    ProductVersionSummary,
};
pub use product_use::{
    highest_tier, needs_approval, Approval, OperationKind, ProductActivity, ProductPolicy,
    ProductUse, RiskTier,
};
pub use role::{Permission, Role};
pub use time_format::{format_relative, format_utc};
pub use trace_query::{TraceCursor, TraceFilter, TraceQuery, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
pub use trace_views::{
    ChainBreak, EventWindow, PolicyUse, ReplayDifference, ReplayReport, ReplayedEvaluation,
    TierCount, TraceApproval, TraceApprovalRecord, TraceCharts, TraceDetail, TraceEvaluation,
    TraceEvent, TraceExportLine, TracePage, TraceSummary, Verification, VolumeBucket, WaitBucket,
};
pub use user::{CurrentUser, DisplayName, Email, Password, TokenSummary, UserId, UserSummary};
