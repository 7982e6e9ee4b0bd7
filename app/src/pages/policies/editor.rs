use std::time::Duration;

use leptos::{prelude::*, task::spawn_local};
use leptos_router::{components::A, hooks::use_params_map};
use verdict_policy::DryRunReport;

use crate::{
    api::policies::{
        approval_route_names, dry_run, load_policy_draft, prepare_publish, PublishPolicy,
        PublishPreview, SaveDraft,
    },
    components::{confirm_first, last_error, DiffView, FieldError, FormError, PageHeader},
    error::AppError,
    model::{Permission, PolicyDraft, PolicyStatus},
    pages::{layout::UserResource, refusal::Refusal},
};

use super::{
    backtest::BacktestPanel,
    code_editor::{jump_to, CodeEditor},
    preview::PreviewPanel,
    recent::{recent_evaluations_feed, RecentEvaluations},
};

/// How long typing must pause before the preview asks the server again.
const PREVIEW_DEBOUNCE: Duration = Duration::from_millis(150);

/// The draft's saving and publishing, shared by the editor and its publish section.
#[derive(Clone, Copy)]
struct DraftActions {
    save: ServerAction<SaveDraft>,
    publish: ServerAction<PublishPolicy>,
    publish_preview: Resource<Result<PublishPreview, AppError>>,
}

#[component]
pub fn PolicyEditorPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    // Every resource of the page is made here, none below the suspense boundary: on the server
    // the boundary may build its children more than once (one render in about fifteen, here),
    // and a resource made there takes a new hydration number each time, so the browser read
    // another resource's data and failed to hydrate.
    let draft = Resource::new(id, load_policy_draft);
    let save = ServerAction::<SaveDraft>::new();
    let publish = ServerAction::<PublishPolicy>::new();
    let publish_preview = Resource::new(
        move || (id(), save.version().get(), publish.version().get()),
        |(id, ..)| prepare_publish(id),
    );
    let actions = DraftActions {
        save,
        publish,
        publish_preview,
    };
    let evaluations = recent_evaluations_feed(id);
    let routes = Resource::new(|| (), |_| approval_route_names());
    let user = expect_context::<UserResource>();
    view! {
        <PageHeader title="Policy editor" summary="Edit the draft; the preview on the right checks, tests and dry-runs it as you type." />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let can_edit = matches!(user.await, Ok(Some(person)) if person.role.allows(Permission::AuthorPolicies));
                // Completion's names only: without them the editor works the same.
                let route_names = routes.await.unwrap_or_default();
                match draft.await {
                    Ok(draft) => view! { <Editor draft can_edit route_names actions /> <RecentEvaluations evaluations /> }.into_any(),
                    Err(error) => view! { <Refusal error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Editor(
    draft: PolicyDraft,
    can_edit: bool,
    route_names: Vec<String>,
    actions: DraftActions,
) -> impl IntoView {
    let id = draft.id.clone();
    let editable = can_edit && draft.status != PolicyStatus::Archived;
    let (source, set_source) = signal(draft.source.clone());
    let (context, set_context) = signal(draft.sample_context.clone());
    let (revision, set_revision) = signal(draft.revision);
    let report = RwSignal::new(None::<Result<DryRunReport, crate::error::AppError>>);
    let latest_request = StoredValue::new(0u64);

    // Debounced preview; each request carries a number and only the newest may land. The dry
    // run is for people who write policies (it runs on the evaluation pool), so viewers get none.
    Effect::new(move |_| {
        if !can_edit {
            return;
        }
        let (source, context) = (source.get(), context.get());
        let request = latest_request.get_value() + 1;
        latest_request.set_value(request);
        // Fails only without a window, where nothing would run it anyway.
        let _ = set_timeout(
            move || {
                if latest_request.get_value() != request {
                    return;
                }
                spawn_local(async move {
                    let answer = dry_run(source, context).await;
                    if latest_request.get_value() == request {
                        report.set(Some(answer));
                    }
                });
            },
            PREVIEW_DEBOUNCE,
        );
    });

    let save = actions.save;
    let save_error = last_error(save);
    let (saved_source, set_saved_source) = signal(draft.source.clone());
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            set_revision.set(saved.revision);
            set_saved_source.set(saved.source);
        }
    });

    // Leaving with unsaved changes asks first: closing or reloading the page (the browser shows
    // its own wording) and, in the browser, following a link.
    let unsaved = move || editable && source.with(|text| saved_source.with(|saved| text != saved));
    let leave_guard = window_event_listener(leptos::ev::beforeunload, move |event| {
        if unsaved() {
            event.prevent_default();
        }
    });
    on_cleanup(move || leave_guard.remove());
    #[cfg(feature = "hydrate")]
    super::editor_browser::confirm_leaving_by_link(unsaved);

    // Ctrl-S (Cmd-S) anywhere on the page saves the draft, as the Save button does.
    let save_form = NodeRef::<leptos::html::Form>::new();
    let save_keys = window_event_listener(leptos::ev::keydown, move |event| {
        let save_key =
            (event.ctrl_key() || event.meta_key()) && event.key().eq_ignore_ascii_case("s");
        if editable && save_key && !event.alt_key() {
            event.prevent_default();
            if let Some(form) = save_form.get_untracked() {
                let _ = form.request_submit();
            }
        }
    });
    on_cleanup(move || save_keys.remove());

    let source_editor = NodeRef::<leptos::html::Textarea>::new();
    let context_editor = NodeRef::<leptos::html::Textarea>::new();
    let jump =
        Callback::new(move |(line, column): (u32, u32)| jump_to(source_editor, line, column));
    remember_context(id.clone(), context, set_context, context_editor);
    let diagnostics = Signal::derive(move || {
        report.with(|latest| match latest {
            Some(Ok(report)) => report.diagnostics.clone(),
            _ => Vec::new(),
        })
    });
    let history = format!("/policies/{id}/versions");
    let form_id = id.clone();
    let publish_id = id.clone();
    let backtest_id = id.clone();

    view! {
        <p class="editor-meta">
            <span class="mono">{id}</span> " · "
            <span class=format!("badge status-{}", draft.status.as_str())>{draft.status.as_str()}</span> " · "
            {draft.latest_version.map_or_else(|| "never published".to_owned(), |version| format!("latest published: v{version}"))}
            " · " <A href=history>"History and diffs"</A>
        </p>
        <div class="editor-layout">
            <div class="editor-pane">
                <ActionForm action=save node_ref=save_form attr:class="editor-form">
                    <input type="hidden" name="id" value=form_id />
                    <input type="hidden" name="base_revision" prop:value=move || revision.get().to_string() />
                    <label for="policy-source">"Policy source (YAML)"</label>
                    <CodeEditor
                        id="policy-source"
                        name="source"
                        text=draft.source.clone()
                        read_only=!editable
                        on_change=set_source
                        diagnostics
                        route_names
                        node_ref=source_editor
                    />
                    <FieldError error=save_error field="source" />
                    <FormError error=save_error />
                    <Show when=move || matches!(save.value().get(), Some(Ok(_)))>
                        <p class="notice notice-success" role="status">"Draft saved."</p>
                    </Show>
                    {editable.then(|| view! { <button type="submit" class="button-primary">"Save draft"</button> })}
                </ActionForm>
                {editable.then(move || view! { <PublishSection id=publish_id revision actions /> })}
                <BacktestPanel policy_id=backtest_id source />
            </div>
            <aside class="preview-pane" aria-label="Live preview">
                <label for="dry-run-context">"Dry-run context (JSON inputs)"</label>
                <textarea
                    node_ref=context_editor
                    id="dry-run-context"
                    class="code"
                    rows="6"
                    spellcheck="false"
                    on:input=move |event| set_context.set(event_target_value(&event))
                >
                    {draft.sample_context.clone()}
                </textarea>
                {move || match report.get() {
                    None if !can_edit => view! { <p class="muted">"The live preview is for authors and admins."</p> }.into_any(),
                    None => view! { <p class="muted">"Checking…"</p> }.into_any(),
                    Some(Ok(report)) => view! { <PreviewPanel report on_jump=jump /> }.into_any(),
                    Some(Err(error)) => view! { <p class="notice notice-error" role="alert">{error.to_string()}</p> }.into_any(),
                }}
            </aside>
        </div>
    }
}

/// Keeps the dry-run context per policy in the browser: a remembered one replaces the sample
/// from the policy's first test, and every edit is remembered.
#[cfg(feature = "hydrate")]
fn remember_context(
    policy_id: String,
    context: ReadSignal<String>,
    set_context: WriteSignal<String>,
    context_editor: NodeRef<leptos::html::Textarea>,
) {
    use super::editor_browser::{store_context, stored_context};
    let restored = StoredValue::new(false);
    Effect::new(move |_| {
        let Some(textarea) = context_editor.get() else {
            return;
        };
        if !restored.get_value() {
            restored.set_value(true);
            if let Some(remembered) = stored_context(&policy_id) {
                textarea.set_value(&remembered);
                set_context.set(remembered);
                return;
            }
        }
        context.with(|text| store_context(&policy_id, text));
    });
}

/// On the server there is no browser storage; the page renders with the sample context.
#[cfg(not(feature = "hydrate"))]
fn remember_context(
    _policy_id: String,
    _context: ReadSignal<String>,
    _set_context: WriteSignal<String>,
    _context_editor: NodeRef<leptos::html::Textarea>,
) {
}

/// Publishing: the diff against the latest version and the test results, then a change note.
#[component]
fn PublishSection(id: String, revision: ReadSignal<i64>, actions: DraftActions) -> impl IntoView {
    let DraftActions {
        publish,
        publish_preview: preview,
        ..
    } = actions;
    let error = last_error(publish);
    let published = move || match publish.value().get() {
        Some(Ok(version)) => Some(format!(
            "Published version {} ({}…).",
            version.version,
            &version.content_hash[..12]
        )),
        _ => None,
    };
    view! {
        <section class="form-card" aria-labelledby="publish-heading">
            <h2 id="publish-heading">"Publish the saved draft"</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    preview.await.ok().map(|preview| {
                        let against = preview.against_version.map_or_else(|| "nothing published yet".to_owned(), |version| format!("changes against v{version}"));
                        let failing = preview.check.tests.iter().filter(|test| !test.passed).count();
                        view! {
                            {preview.warnings.into_iter().map(|warning| view! {
                                <p class="notice notice-warning" data-testid="publish-warning">{warning}</p>
                            }).collect_view()}
                            <details>
                                <summary>{format!("Review: {against}; {} of {} tests pass", preview.check.tests.len() - failing, preview.check.tests.len())}</summary>
                                <DiffView lines=preview.diff changes_only=true />
                            </details>
                        }
                    })
                })}
            </Transition>
            <ActionForm action=publish>
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="base_revision" prop:value=move || revision.get().to_string() />
                <label for="change-note">"Change note"</label>
                <input id="change-note" type="text" name="change_note" required placeholder="What changed and why" />
                <FieldError error field="change_note" />
                <FieldError error field="source" />
                <FormError error />
                <Show when=move || published().is_some()>
                    <p class="notice notice-success" role="status">{published}</p>
                </Show>
                <button type="submit" class="button-primary"
                    on:click=confirm_first("Publish the saved draft as a new, immutable version? Agents bound to the latest version use it at once.")>
                    "Publish"
                </button>
            </ActionForm>
        </section>
    }
}
