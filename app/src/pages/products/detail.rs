use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use super::{
    ApplyProductForm, ClassificationBadge, PiiMarker, ProductStatus, ProductsTableFrame, TierBadge,
};
use crate::{
    api::products::{load_product, ApplyProduct, ArchiveProduct, ProductView},
    components::{confirm_first, last_error, last_success, FormError, PageHeader, UtcTime},
    model::{ProductActivity, ProductGrant, ProductOperation, ProductVersionSummary},
    pages::refusal::Refusal,
};

/// One data product: what it holds, its operations, which agents may use them, every version;
/// admins apply a new version or archive it.
#[component]
pub fn ProductDetailPage() -> impl IntoView {
    let params = use_params_map();
    let name = move || params.read().get("name").unwrap_or_default();
    let apply = ServerAction::<ApplyProduct>::new();
    let archive = ServerAction::<ArchiveProduct>::new();
    // Loaded again after an applied version only: a refused one stays in the form to mend.
    let applied = last_success(apply);
    let product = Resource::new(
        move || (name(), applied.get(), archive.version().get()),
        |(name, ..)| load_product(name),
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match product.await {
                    Ok(view_of) => view! { <ProductPage view_of apply archive /> }.into_any(),
                    Err(error) => view! {
                        <PageHeader title="Data product" summary="One data product's operations, grants and versions." />
                        <Refusal error />
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ProductPage(
    view_of: ProductView,
    apply: ServerAction<ApplyProduct>,
    archive: ServerAction<ArchiveProduct>,
) -> impl IntoView {
    let ProductView {
        detail,
        versions,
        policies,
        activity,
        can_administer,
    } = view_of;
    let product = detail.product;
    let active = product.status == "active";
    let name = product.name.clone();
    let purposes = if product.allowed_purposes.is_empty() {
        "none named".to_owned()
    } else {
        product.allowed_purposes.join(", ")
    };
    view! {
        <Title text=name.clone() />
        <header class="page-header">
            <div>
                <p class="breadcrumb"><A href="/products">"Data products"</A> " /"</p>
                <h1 class="mono">{name.clone()}</h1>
                <p class="page-summary">{product.description.clone().unwrap_or_else(|| "No description.".to_owned())}</p>
            </div>
            <div class="page-actions"><ProductStatus status=product.status.clone() /></div>
        </header>
        {(!active).then(|| view! {
            <p class="notice notice-warning" data-testid="product-archived">
                "This product is archived: it can no longer be applied or granted. Its versions and the grants agents hold stay on record."
            </p>
        })}
        <dl class="facts">
            <dt>"Owner team"</dt>
            <dd>{product.owner_team.clone().unwrap_or_else(|| "—".to_owned())}</dd>
            <dt>"Classification"</dt>
            <dd><ClassificationBadge classification=product.classification /></dd>
            <dt>"Personal data"</dt>
            <dd><PiiMarker contains_pii=product.contains_pii /></dd>
            <dt>"Allowed purposes"</dt>
            <dd>{purposes}</dd>
            <dt>"Latest version"</dt>
            <dd>
                {format!("v{} by {}, ", product.latest_version, product.updated_by)}
                <UtcTime unix_millis=product.updated_at />
            </dd>
        </dl>

        <h2>"Operations"</h2>
        <OperationsTable operations=product.operations />

        <h2>"Granted agents"</h2>
        {if detail.grants.is_empty() {
            view! { <p class="empty-state">"No agent is granted an operation of this product — grant one on an agent's page."</p> }.into_any()
        } else {
            view! { <GrantsTable grants=detail.grants /> }.into_any()
        }}

        <h2>"Policies"</h2>
        {if policies.is_empty() {
            view! { <p class="empty-state">"No policy is scoped to this product. A policy with "<code>"scope: { products: ["{name.clone()}"] }"</code>" judges every decision that reads or writes it, whatever agent opened it."</p> }.into_any()
        } else {
            view! {
                <ul data-testid="product-policies">
                    {policies.into_iter().map(|policy| {
                        let href = format!("/policies/{}", policy.policy_id);
                        view! { <li><A href=href>{policy.policy_id.clone()}</A>{format!(" v{}", policy.version)}</li> }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}

        <h2>"Recent reads and writes"</h2>
        {if activity.is_empty() {
            view! { <p class="empty-state">"No agent has read or written this product yet."</p> }.into_any()
        } else {
            view! { <ActivityTable activity /> }.into_any()
        }}

        <h2>"Versions"</h2>
        <VersionsTable versions />

        {(can_administer && active).then(|| view! {
            <ApplyProductForm apply heading="Apply a new version" initial=detail.source_yaml with_templates=false />
            <ArchiveForm name=name.clone() archive />
        })}
    }
}

#[component]
fn OperationsTable(operations: Vec<ProductOperation>) -> impl IntoView {
    view! {
        <ProductsTableFrame
            caption="Operations"
            headings=&["Operation", "Kind", "Risk tier", "Approval"]
        >
            {operations.into_iter().map(|operation| view! {
                <tr>
                    <td class="mono">{operation.name}</td>
                    <td>{operation.kind.as_str()}</td>
                    <td><TierBadge tier=operation.risk_tier /></td>
                    <td>{operation.approval.as_str()}</td>
                </tr>
            }).collect_view()}
        </ProductsTableFrame>
    }
}

#[component]
fn GrantsTable(grants: Vec<ProductGrant>) -> impl IntoView {
    view! {
        <ProductsTableFrame
            caption="Agents granted operations of this product"
            headings=&["Agent", "Operations", "Granted by", "Granted"]
        >
            {grants.into_iter().map(|grant| {
                let href = format!("/agents/{}", grant.agent_name);
                view! {
                    <tr>
                        <td class="mono"><A href=href>{grant.agent_name}</A></td>
                        <td class="mono">{grant.operations.join(", ")}</td>
                        <td>{grant.granted_by}</td>
                        <td><UtcTime unix_millis=grant.granted_at /></td>
                    </tr>
                }
            }).collect_view()}
        </ProductsTableFrame>
    }
}

/// The product's latest reads and writes, each linked to its decision; refused attempts name
/// their refusal.
#[component]
fn ActivityTable(activity: Vec<ProductActivity>) -> impl IntoView {
    view! {
        <ProductsTableFrame
            caption="Latest reads and writes, newest first"
            headings=&["When", "Agent", "Operation", "Purpose", "Risk tier", "Result"]
        >
            {activity.into_iter().map(|used| {
                let href = format!("/traces/{}", used.decision_id);
                view! {
                    <tr>
                        <td><A href=href><UtcTime unix_millis=used.at /></A></td>
                        <td class="mono">{used.agent_name}</td>
                        <td class="mono">{format!("{} ({})", used.operation, used.kind)}</td>
                        <td>{used.purpose.unwrap_or_else(|| "—".to_owned())}</td>
                        <td>{used.risk_tier.map(|tier| view! { <TierBadge tier /> })}</td>
                        <td>{match used.refused {
                            Some(code) => view! { <span class="badge outcome-deny">{format!("refused: {code}")}</span> }.into_any(),
                            None => view! { <span class="badge outcome-allow">"recorded"</span> }.into_any(),
                        }}</td>
                    </tr>
                }
            }).collect_view()}
        </ProductsTableFrame>
    }
}

/// Every version, newest first; each one's source opens in place.
#[component]
fn VersionsTable(versions: Vec<ProductVersionSummary>) -> impl IntoView {
    view! {
        <ProductsTableFrame
            caption="Versions, newest first"
            headings=&["Version", "Hash", "Applied by", "When", "Source"]
            numeric=&["Version"]
        >
            {versions.into_iter().map(|version| {
                let short: String = version.content_hash.chars().take(12).collect();
                let label = format!("Source of v{}", version.version);
                view! {
                    <tr>
                        <td class="num">{format!("v{}", version.version)}</td>
                        <td class="mono" title=version.content_hash.clone()>{short}</td>
                        <td>{version.published_by}</td>
                        <td><UtcTime unix_millis=version.published_at /></td>
                        <td>
                            <details>
                                <summary aria-label=label>"View"</summary>
                                <pre class="code-view">{version.source_yaml}</pre>
                            </details>
                        </td>
                    </tr>
                }
            }).collect_view()}
        </ProductsTableFrame>
    }
}

#[component]
fn ArchiveForm(name: String, archive: ServerAction<ArchiveProduct>) -> impl IntoView {
    let error = last_error(archive);
    view! {
        <section class="form-card" aria-labelledby="archive-product-heading">
            <h2 id="archive-product-heading">"Archive"</h2>
            <p>"An archived product can no longer be applied or granted. Its versions and the grants agents hold stay on record; revoke grants on each agent's page."</p>
            <ActionForm action=archive attr:class="inline-form">
                <input type="hidden" name="name" value=name />
                <button type="submit" class="button-danger"
                    on:click=confirm_first("Archive this data product? It can no longer be applied or granted, and this cannot be undone.")>
                    "Archive"
                </button>
            </ActionForm>
            <FormError error />
        </section>
    }
}
