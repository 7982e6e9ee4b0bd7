//! Data products: the catalogue with the form to apply a definition, and one product's page
//! with its operations, grants, versions, a new version and archiving. Everyone signed in reads;
//! admins change the catalogue (as over `/api/v1/admin/products`).

mod detail;
mod list;

pub use detail::ProductDetailPage;
pub use list::ProductsPage;

use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    api::products::ApplyProduct,
    components::{last_error, FieldError, FormError},
    model::{Approval, Classification, ProductApplied, ProductOperation, RiskTier},
    products::STARTER_PRODUCTS,
};

/// A table of the products pages: scrollable, with a caption for screen readers and one header
/// row (`numeric` names the right-aligned columns); `children` are its rows.
#[component]
fn ProductsTableFrame(
    caption: &'static str,
    headings: &'static [&'static str],
    #[prop(optional)] numeric: &'static [&'static str],
    children: Children,
) -> impl IntoView {
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label=caption>
            <table>
                <caption class="visually-hidden">{caption}</caption>
                <thead>
                    <tr>
                        {headings
                            .iter()
                            .map(|heading| view! { <th scope="col" class:num=numeric.contains(heading)>{*heading}</th> })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}

/// How sensitive a product's contents are, as a coloured word.
#[component]
pub(crate) fn ClassificationBadge(classification: Classification) -> impl IntoView {
    let name = classification.as_str();
    view! { <span class=format!("badge classification-{name}")>{name}</span> }
}

/// An operation's risk tier, as a coloured word.
#[component]
pub(crate) fn TierBadge(tier: RiskTier) -> impl IntoView {
    let name = tier.as_str();
    view! { <span class=format!("badge tier-{name}") title="risk tier">{name}</span> }
}

/// Marks a product that holds personal data.
#[component]
fn PiiMarker(contains_pii: bool) -> impl IntoView {
    if contains_pii {
        view! { <span class="badge pii-marker" title="Holds personal data">"PII"</span> }.into_any()
    } else {
        view! { <span class="muted">"no PII"</span> }.into_any()
    }
}

/// `active` or `archived`.
#[component]
fn ProductStatus(status: String) -> impl IntoView {
    view! { <span class=format!("badge status-{status}")>{status.clone()}</span> }
}

/// One operation's name with its tier, and whether it needs approval.
#[component]
pub(crate) fn OperationLabel(operation: ProductOperation) -> impl IntoView {
    view! {
        <span class="mono">{operation.name}</span>
        " "
        <TierBadge tier=operation.risk_tier />
        {(operation.approval == Approval::Required).then(|| view! { " " <span class="muted">"needs approval"</span> })}
    }
}

/// What applying did: a new version or nothing, with the lint warnings.
#[component]
fn AppliedNotice(applied: ProductApplied) -> impl IntoView {
    let href = format!("/products/{}", applied.product);
    let said = if applied.applied {
        format!(
            "Applied {} as version {}.",
            applied.product, applied.version
        )
    } else {
        format!(
            "{} is unchanged: version {} has this source already.",
            applied.product, applied.version
        )
    };
    view! {
        <p class="notice notice-success" role="status">
            {said} " " <A href=href>"See the product"</A>
        </p>
        {(!applied.warnings.is_empty()).then(|| view! {
            <div class="notice notice-warning" data-testid="product-warnings">
                <p>"Applied with warnings:"</p>
                <ul>
                    {applied.warnings.into_iter().map(|warning| view! { <li class="mono">{warning}</li> }).collect_view()}
                </ul>
            </div>
        })}
    }
}

/// A data product document to apply: on the list, a new product (from a starter if wanted); on
/// a product's page, its next version, prefilled with the latest source.
#[component]
fn ApplyProductForm(
    apply: ServerAction<ApplyProduct>,
    heading: &'static str,
    initial: String,
    with_templates: bool,
) -> impl IntoView {
    let error = last_error(apply);
    let source = RwSignal::new(initial.clone());
    let applied = move || apply.value().get().and_then(Result::ok);
    let choose_template = move |event| {
        let key = event_target_value(&event);
        if let Some(starter) = STARTER_PRODUCTS.iter().find(|starter| starter.key == key) {
            source.set(starter.source.to_owned());
        }
    };
    view! {
        <section class="form-card" aria-labelledby="apply-product-heading">
            <h2 id="apply-product-heading">{heading}</h2>
            {move || applied().map(|applied| view! { <AppliedNotice applied /> })}
            <ActionForm action=apply>
                {with_templates.then(|| view! {
                    <label for="product-template">"Start from a template"</label>
                    <select id="product-template" on:change=choose_template>
                        <option value="">"A blank document"</option>
                        {STARTER_PRODUCTS
                            .iter()
                            .map(|starter| view! { <option value=starter.key>{starter.title}</option> })
                            .collect_view()}
                    </select>
                })}
                <label for="product-source">"Data product (YAML)"</label>
                <textarea
                    id="product-source"
                    name="source_yaml"
                    class="code product-source"
                    rows="14"
                    spellcheck="false"
                    placeholder="product: customer_profiles"
                    aria-describedby="product-source-help"
                    prop:value=move || source.get()
                    on:input=move |event| source.set(event_target_value(&event))
                >
                    {initial}
                </textarea>
                <p id="product-source-help" class="field-help">
                    "Its " <code>"product:"</code> " field names the product; applying a changed document makes a new version, an unchanged one changes nothing. See docs/products.md for every field."
                </p>
                <FieldError error field="source_yaml" />
                <FormError error />
                <button type="submit" class="button-primary" disabled=move || apply.pending().get()>"Apply"</button>
            </ActionForm>
        </section>
    }
    .into_any()
}
