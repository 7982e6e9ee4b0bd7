//! Backtesting a draft from the policy editor: start a run, follow its progress, cancel it.
//! Reading history is open to everyone who may read; nothing here records a decision.

use leptos::prelude::*;

use crate::{error::AppError, model::BacktestProgress};

#[cfg(feature = "ssr")]
use crate::{
    model::{Permission, DEFAULT_BACKTEST_DAYS},
    ssr::{
        auth::{require, session::app_state},
        services::backtest,
    },
};

/// Re-evaluates the recorded inputs of `id`'s evaluations in the last `days` days (30 when
/// empty) with the draft `source`.
#[server(endpoint = "start_backtest", output = crate::api::codec::JsonText)]
pub async fn start_backtest(
    id: String,
    source: String,
    days: String,
) -> Result<BacktestProgress, AppError> {
    require(Permission::Read).await?;
    let days = match days.trim() {
        "" => DEFAULT_BACKTEST_DAYS,
        text => text
            .parse()
            .map_err(|_| AppError::invalid("days", "Give the window as a whole number of days."))?,
    };
    let state = app_state()?;
    backtest::start(&state.db, &state.evaluation_pool, &id, &source, days).await
}

#[server(endpoint = "poll_backtest", output = crate::api::codec::JsonText)]
pub async fn poll_backtest(run_id: String) -> Result<BacktestProgress, AppError> {
    require(Permission::Read).await?;
    backtest::progress(&app_state()?.db, &run_id).await
}

#[server(endpoint = "cancel_backtest", output = crate::api::codec::JsonText)]
pub async fn cancel_backtest(run_id: String) -> Result<BacktestProgress, AppError> {
    require(Permission::Read).await?;
    backtest::cancel(&app_state()?.db, &run_id).await
}
