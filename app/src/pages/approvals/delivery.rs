//! How a request reached its route's integration: the delivery's state, every attempt, and a
//! button that sends it again.

use leptos::prelude::*;

use crate::{
    api::approvals::RedeliverApproval,
    components::{last_error, FormError, UtcTime},
    model::Delivery,
};

#[component]
pub fn DeliverySection(
    delivery: Delivery,
    approval_id: String,
    can_redeliver: bool,
    redeliver: ServerAction<RedeliverApproval>,
) -> impl IntoView {
    let error = last_error(redeliver);
    let state_line = match delivery.state.as_str() {
        "delivered" => "Delivered.".to_owned(),
        "failed" => "Every attempt failed; the request still waits here in the inbox.".to_owned(),
        "withdrawn" => "Not delivered: the request was answered first.".to_owned(),
        _ => "Queued; the next attempt is due soon.".to_owned(),
    };
    let rows = delivery
        .attempts
        .iter()
        .map(|attempt| {
            let outcome = match (attempt.status_code, &attempt.error) {
                (Some(code), None) => format!("HTTP {code}"),
                (_, Some(error)) => error.clone(),
                (None, None) => "—".to_owned(),
            };
            view! {
                <tr>
                    <td class="num">{attempt.attempt}</td>
                    <td><UtcTime unix_millis=attempt.at /></td>
                    <td>{outcome}</td>
                    <td class="num">{format!("{} ms", attempt.latency_ms)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="delivery-heading">
            <h2 id="delivery-heading">{format!("Delivery to {} v{}", delivery.route_name, delivery.route_version)}</h2>
            <p data-testid="delivery-state">{state_line}</p>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Delivery attempts">
                <table>
                    <caption class="visually-hidden">"Delivery attempts"</caption>
                    <thead>
                        <tr>
                            <th scope="col" class="num">"Attempt"</th>
                            <th scope="col">"Time"</th>
                            <th scope="col">"Outcome"</th>
                            <th scope="col" class="num">"Latency"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            {can_redeliver.then(|| view! {
                <ActionForm action=redeliver attr:class="inline-form">
                    <input type="hidden" name="id" value=approval_id />
                    <button type="submit">"Redeliver"</button>
                </ActionForm>
                <FormError error />
            })}
        </section>
    }
    .into_any()
}
