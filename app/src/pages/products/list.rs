use leptos::prelude::*;
use leptos_router::components::A;

use super::{
    ApplyProductForm, ClassificationBadge, OperationLabel, PiiMarker, ProductStatus,
    ProductsTableFrame,
};
use crate::{
    api::products::{load_products, ApplyProduct},
    components::{last_success, PageHeader},
    model::ProductSummary,
    pages::refusal::Refusal,
};

/// Every data product at its latest version; admins apply new products and versions here.
#[component]
pub fn ProductsPage() -> impl IntoView {
    let apply = ServerAction::<ApplyProduct>::new();
    // Loaded again after an applied document only: a refused one stays in the form to mend.
    let applied = last_success(apply);
    let overview = Resource::new(move || applied.get(), |_| load_products());
    view! {
        <PageHeader title="Data products" summary="What agents may read and write, for which purposes and at what risk, as versioned YAML." />
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! {
                        {if overview.products.is_empty() {
                            view! { <p class="empty-state">"No data products yet — apply one below, or start from a template."</p> }.into_any()
                        } else {
                            view! { <ProductsTable list=overview.products /> }.into_any()
                        }}
                        {overview.can_administer.then(|| view! {
                            <ApplyProductForm apply heading="Apply a data product" initial=String::new() with_templates=true />
                        })}
                    }.into_any(),
                    Err(error) => view! { <Refusal error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ProductsTable(list: Vec<ProductSummary>) -> impl IntoView {
    view! {
        <ProductsTableFrame
            caption="Data products"
            headings=&["Product", "Classification", "Personal data", "Operations", "Status", "Version", "Granted agents"]
            numeric=&["Version", "Granted agents"]
        >
            {list
                .into_iter()
                .map(|product| {
                    let href = format!("/products/{}", product.name);
                    let archived = product.status != "active";
                    view! {
                        <tr class:inactive=archived>
                            <td class="mono"><A href=href>{product.name.clone()}</A></td>
                            <td><ClassificationBadge classification=product.classification /></td>
                            <td><PiiMarker contains_pii=product.contains_pii /></td>
                            <td>
                                <ul class="operation-list">
                                    {product.operations.into_iter().map(|operation| view! {
                                        <li><OperationLabel operation /></li>
                                    }).collect_view()}
                                </ul>
                            </td>
                            <td><ProductStatus status=product.status /></td>
                            <td class="num">{format!("v{}", product.latest_version)}</td>
                            <td class="num">{product.granted_agents}</td>
                        </tr>
                    }
                })
                .collect_view()}
        </ProductsTableFrame>
    }
}
