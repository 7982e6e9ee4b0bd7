//! Every server function against every role (and no session): allowed calls get past the role
//! check, refused ones get 403 (401 without a session) and change nothing.

use crate::common;

use axum::http::StatusCode;
use common::TestApp;

use app::{
    model::{Permission, Role},
    ssr::store,
};

/// Who may call a server function.
#[derive(Clone, Copy, Debug)]
enum Needs {
    Anyone,
    SignedIn,
    Role(Permission),
}

struct Call {
    name: &'static str,
    needs: Needs,
    fields: Vec<(&'static str, String)>,
}

fn calls(target_user: &str) -> Vec<Call> {
    let target = || target_user.to_owned();
    vec![
        Call {
            name: "who_am_i",
            needs: Needs::Anyone,
            fields: vec![],
        },
        Call {
            name: "setup_status",
            needs: Needs::Anyone,
            fields: vec![("token", "x".into())],
        },
        Call {
            name: "approval_route_names",
            needs: Needs::Role(Permission::Read),
            fields: vec![],
        },
        Call {
            name: "list_users",
            needs: Needs::Role(Permission::Administer),
            fields: vec![],
        },
        Call {
            name: "create_user",
            needs: Needs::Role(Permission::Administer),
            fields: vec![
                ("email", "new-person@example.com".into()),
                ("display_name", "New Person".into()),
                ("role", "viewer".into()),
                ("password", "a long enough password".into()),
            ],
        },
        Call {
            name: "change_role",
            needs: Needs::Role(Permission::Administer),
            fields: vec![("user_id", target()), ("role", "author".into())],
        },
        Call {
            name: "reset_password",
            needs: Needs::Role(Permission::Administer),
            fields: vec![
                ("user_id", target()),
                ("password", "another long password".into()),
            ],
        },
        Call {
            name: "set_user_active",
            needs: Needs::Role(Permission::Administer),
            fields: vec![("user_id", target()), ("active", "true".into())],
        },
        Call {
            name: "list_tokens",
            needs: Needs::SignedIn,
            fields: vec![],
        },
        Call {
            name: "create_token",
            needs: Needs::SignedIn,
            fields: vec![
                ("name", "matrix".into()),
                ("expires_in_days", String::new()),
            ],
        },
        Call {
            name: "revoke_token",
            needs: Needs::SignedIn,
            fields: vec![("token_id", "no-such-token".into())],
        },
        Call {
            name: "pending_approval_count",
            needs: Needs::Role(Permission::Read),
            fields: vec![],
        },
        Call {
            name: "load_approval_routes",
            needs: Needs::Role(Permission::Read),
            fields: vec![],
        },
        Call {
            name: "define_approval_route",
            needs: Needs::Role(Permission::Administer),
            fields: vec![
                ("name", "matrix-route".into()),
                ("integration", "inbox".into()),
                ("destination", String::new()),
                ("approver_emails", String::new()),
                ("required_approvals", String::new()),
                ("default_expiry_seconds", String::new()),
            ],
        },
        Call {
            name: "redeliver_approval",
            needs: Needs::Role(Permission::Approve),
            fields: vec![("id", "no-such-approval".into())],
        },
        Call {
            name: "start_backtest",
            needs: Needs::Role(Permission::Read),
            fields: vec![
                ("id", "no-such-policy".into()),
                ("source", String::new()),
                ("days", "30".into()),
            ],
        },
        Call {
            name: "poll_backtest",
            needs: Needs::Role(Permission::Read),
            fields: vec![("run_id", "no-such-run".into())],
        },
        Call {
            name: "cancel_backtest",
            needs: Needs::Role(Permission::Read),
            fields: vec![("run_id", "no-such-run".into())],
        },
    ]
}

fn allowed(needs: Needs, role: Option<Role>) -> bool {
    match (needs, role) {
        (Needs::Anyone, _) => true,
        (_, None) => false,
        (Needs::SignedIn, Some(_)) => true,
        (Needs::Role(permission), Some(role)) => role.allows(permission),
    }
}

#[tokio::test]
async fn every_server_function_checks_every_role_on_the_server() {
    let app = TestApp::new().await;
    let mut sessions = vec![(None, None)];
    for role in Role::ALL {
        sessions.push((Some(role), Some(app.signed_in(role).await)));
    }
    app.create_user("target@example.com", Role::Viewer).await;
    let target = store::users::find_by_email(
        &app.state.db.pool,
        &app::model::Email::parse("target@example.com").unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    let mut checked = 0;

    for call in calls(&target.id) {
        for (role, cookie) in &sessions {
            let users_before = store::users::count(&app.state.db.pool).await.unwrap();
            let target_before = store::users::find_by_id(&app.state.db.pool, &target.id)
                .await
                .unwrap()
                .unwrap();
            let fields: Vec<(&str, &str)> = call
                .fields
                .iter()
                .map(|(key, value)| (*key, value.as_str()))
                .collect();

            let reply = app.server_fn(call.name, &fields, cookie.as_deref()).await;

            let context = format!("{} as {role:?}: {} {}", call.name, reply.status, reply.text);
            if allowed(call.needs, *role) {
                assert!(
                    ![StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN].contains(&reply.status),
                    "{context}"
                );
                assert!(
                    reply.status.is_success()
                        || reply.status == StatusCode::NOT_FOUND
                        || reply.status == StatusCode::UNPROCESSABLE_ENTITY,
                    "{context}"
                );
            } else {
                let expected = if role.is_some() {
                    StatusCode::FORBIDDEN
                } else {
                    StatusCode::UNAUTHORIZED
                };
                assert_eq!(reply.status, expected, "{context}");
                let users_after = store::users::count(&app.state.db.pool).await.unwrap();
                assert_eq!(users_before, users_after, "{context}: nothing changes");
                let target_now = store::users::find_by_id(&app.state.db.pool, &target.id)
                    .await
                    .unwrap()
                    .unwrap();
                assert_eq!(
                    target_now.role, target_before.role,
                    "{context}: role unchanged"
                );
                assert_eq!(
                    target_now.password_hash, target_before.password_hash,
                    "{context}: password unchanged"
                );
            }
            checked += 1;
        }
    }

    assert_eq!(checked, calls("").len() * 5);
}
