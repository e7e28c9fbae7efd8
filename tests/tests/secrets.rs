//! No key and no password in any `Debug`, `Display` or error of the public types, with a known
//! password in `DATABASE_URL` and a known `CIPHER_KEY`; and no URL that would give each pooled
//! SQLite connection a database of its own.

use eventsourcing_seaorm::application::{Application, ApplicationBuilder, ApplicationError};
use eventsourcing_seaorm::domain::Aggregate;
use eventsourcing_seaorm::seaorm::{self, SeaOrmStore};
use eventsourcing_seaorm_tests::backends::{Backend, TempDir};
use eventsourcing_seaorm_tests::world::World;

const PASSWORD: &str = "Pw4Secrets9";
const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const NO_ENV: [(&str, &str); 0] = [];

/// Fails when `text` holds the password or the key (or a long piece of either).
fn assert_clean(what: &str, text: &str) {
    assert!(
        !text.contains(PASSWORD),
        "{what} shows the password: {text}"
    );
    for piece in KEY.as_bytes().windows(12) {
        let piece = std::str::from_utf8(piece).unwrap();
        assert!(!text.contains(piece), "{what} shows the key: {text}");
    }
}

/// Both the `Debug` and the `Display` of an error.
fn assert_clean_error(what: &str, error: &ApplicationError) {
    assert_clean(what, &format!("{error:?}"));
    assert_clean(what, &error.to_string());
}

/// `url` with the test's password given to its user.
fn with_password(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (user, host) = rest.split_once('@').unwrap();
    let user = user.split(':').next().unwrap();
    format!("{scheme}://{user}:{PASSWORD}@{host}")
}

fn builder(name: &str, url: &str) -> ApplicationBuilder {
    Application::builder(name)
        .environment([("OTHER_SERVICE_PASSWORD", PASSWORD), ("CIPHER_KEY", KEY)])
        .setting("PERSISTENCE_MODULE", "eventsourcing_seaorm")
        .setting("DATABASE_URL", url)
        .setting("CIPHER_KEY", KEY)
        .default_setting("WORLDS_CIPHER_KEY", KEY)
        .snapshotting(true)
}

/// Every public type an application is made of, shown with `{:?}`.
async fn assert_application_clean(app: &Application) {
    assert_clean("Application", &format!("{app:?}"));
    assert_clean("Settings", &format!("{:?}", app.settings()));
    assert_clean("Mapper", &format!("{:?}", app.mapper()));
    assert_clean("Infrastructure", &format!("{:?}", app.infrastructure()));
    assert_clean("Repository", &format!("{:?}", app.repository()));
    assert_clean("NotificationLog", &format!("{:?}", app.notification_log()));
    assert_clean("recorder", &format!("{:?}", app.recorder()));
    if let Some(recorders) = app.seaorm_recorders() {
        assert_clean("SeaOrmRecorders", &format!("{recorders:?}"));
        assert_clean("SeaOrmStore", &format!("{:?}", recorders.events.store()));
    }
    // The application still works with its secrets.
    let mut world = World::create();
    world.make_it_so("kept secret".into());
    app.save(&mut world).await.unwrap();
    let loaded: World = app.repository().get(world.id()).await.unwrap();
    assert_eq!(loaded.history, ["kept secret"]);
}

#[tokio::test]
async fn debug_output_shows_no_key_on_sqlite() {
    let dir = TempDir::new();
    let url = format!("sqlite://{}", dir.0.join("secrets.sqlite3").display());
    let builder = builder("Worlds", &url);
    assert_clean("ApplicationBuilder", &format!("{builder:?}"));
    let app = builder.build().await.unwrap();
    assert_application_clean(&app).await;
}

/// PostgreSQL accepts any password from this machine (trust auth): the application connects
/// with one in its URL.
#[tokio::test]
async fn debug_output_shows_no_password_on_postgres() {
    let Some(url) = Backend::Postgres.server_url() else {
        return;
    };
    let url = with_password(&url);
    let builder = builder("Worlds", &url).setting("CREATE_TABLE", "y");
    assert_clean("ApplicationBuilder", &format!("{builder:?}"));
    let app = builder.build().await.unwrap();
    assert_application_clean(&app).await;
    let store = SeaOrmStore::new(seaorm::connect(&url).await.unwrap())
        .await
        .unwrap();
    assert_clean("SeaOrmStore", &format!("{store:?}"));
}

/// A URL the drivers cannot parse is quoted in their error: the password is hidden there too,
/// as in the errors of a refused login.
#[tokio::test]
async fn connection_errors_show_no_password() {
    let mut urls = vec![
        format!("postgres://app:{PASSWORD}@127.0.0.1:99999/test"),
        format!("mysql://app:{PASSWORD}@127.0.0.1:99999/test"),
        format!("postgres://127.0.0.1:99999/test?user=app&password={PASSWORD}"),
    ];
    if let Some(url) = Backend::MySql.server_url() {
        // A password the server refuses.
        urls.push(with_password(&url));
    }
    for url in urls {
        let error = builder("Worlds", &url).build().await.unwrap_err();
        assert_clean_error(&url, &error);
        let error = seaorm::connect(&url).await.unwrap_err();
        assert_clean(&url, &format!("{error:?} {error}"));
    }
}

#[tokio::test]
async fn settings_errors_show_no_secret() {
    // A key that is not base64: the error says where, never which characters.
    let bad_key = "Pw4Secrets9*Pw4Secrets9";
    let error = Application::builder("Worlds")
        .environment(NO_ENV)
        .setting("CIPHER_KEY", bad_key)
        .build()
        .await
        .unwrap_err();
    assert_clean_error("bad CIPHER_KEY", &error);
    assert!(error.to_string().contains("CIPHER_KEY"), "{error}");
    assert!(!error.to_string().contains('*'), "{error}");

    // A URL that is no database URL: the setting is named, the password hidden.
    let error = Application::builder("Worlds")
        .environment(NO_ENV)
        .setting("PERSISTENCE_MODULE", "eventsourcing_seaorm")
        .setting("DATABASE_URL", format!("oracle://app:{PASSWORD}@db/x"))
        .build()
        .await
        .unwrap_err();
    assert_clean_error("bad DATABASE_URL", &error);
    assert!(
        error.to_string().contains("oracle://app:***@db/x"),
        "{error}"
    );

    // A secret setting's value is never repeated, whatever the error.
    let error = Application::builder("Worlds")
        .environment(NO_ENV)
        .setting("CIPHER_TOPIC", "eventsourcing.cipher:AESCipher")
        .setting("CIPHER_KEY", "c2hvcnQ=")
        .build()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("<redacted>"), "{error}");
}

/// `sqlite:` and `sqlite://` name no file: each pooled connection would open a temporary
/// database of its own, losing saves. They are refused, naming the setting.
#[tokio::test]
async fn sqlite_urls_without_a_file_are_refused() {
    for url in [
        "sqlite:",
        "sqlite://",
        "sqlite://?mode=rwc",
        "sqlite:?cache=shared",
    ] {
        let error = Application::builder("Worlds")
            .environment(NO_ENV)
            .setting("PERSISTENCE_MODULE", "eventsourcing_seaorm")
            .setting("DATABASE_URL", url)
            .build()
            .await
            .unwrap_err();
        assert!(
            matches!(&error, ApplicationError::Setting { key, .. } if key == "DATABASE_URL"),
            "{url}: {error:?}"
        );
        assert!(error.to_string().contains("must name a file"), "{error}");
        assert!(seaorm::connect(url).await.is_err(), "{url}");
    }
    for url in [
        "sqlite::memory:",
        "sqlite://?mode=memory",
        "sqlite::memory:?cache=shared",
    ] {
        assert_eq!(seaorm::url_problem(url), None, "{url}");
    }
}
