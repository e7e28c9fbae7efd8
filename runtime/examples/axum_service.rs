//! An inventory service: an event-sourced `Item` (create, receive, ship — never more than on
//! hand — discontinue) behind axum handlers that share one `Application`, and a SeaORM read
//! model `item_stock` written in the same unit of work as the events.
//!
//! Run it with `cargo run --example axum_service [-- <DATABASE_URL>]` (SQLite in memory by
//! default). It starts on a free local port, sends its own requests (among them 20 concurrent
//! ships of one item), checks the answers and the read model against the aggregate, prints
//! them and how many tries the units of work took, and exits with 0; any difference is an
//! error. On SQLite a unit of work takes the write lock when it begins, so the ships run one
//! after another; on PostgreSQL and MySQL they read the item at once, conflict when they save,
//! and are tried again (`-- postgres://postgres@127.0.0.1:5432/postgres`).
//!
//! The handlers are the service's whole application layer: each one call to
//! `Application::create`, `execute` or `unit_of_work`, and one `match` on `ErrorKind` for the
//! statuses.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use eventsourcing_seaorm::application::RetryPolicy;
use eventsourcing_seaorm::prelude::*;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Schema};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use uuid::Uuid;

/// Why an item refused a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StockError {
    /// More was asked than is on hand.
    #[error("only {on_hand} on hand, {asked} asked")]
    NotEnough {
        /// On hand.
        on_hand: u32,
        /// Asked for.
        asked: u32,
    },
    /// Nothing more is received once discontinued.
    #[error("the item is discontinued")]
    Discontinued,
}

/// An item of stock.
#[aggregate(topic_module = "inventory")]
#[derive(Debug)]
pub struct Item {
    name: String,
    on_hand: u32,
    discontinued: bool,
}

#[aggregate]
impl Item {
    /// A new item, none on hand.
    #[event("Created")]
    pub fn create(name: String) -> Self {
        Self {
            name,
            on_hand: 0,
            discontinued: false,
        }
    }

    /// Receives `quantity` more.
    #[event("Received")]
    pub fn receive(&mut self, quantity: u32) -> Result<(), StockError> {
        if self.discontinued {
            return Err(StockError::Discontinued);
        }
        self.on_hand += quantity;
        Ok(())
    }

    /// Ships `quantity`, never more than on hand.
    #[event("Shipped")]
    pub fn ship(&mut self, quantity: u32) -> Result<(), StockError> {
        if quantity > self.on_hand {
            return Err(StockError::NotEnough {
                on_hand: self.on_hand,
                asked: quantity,
            });
        }
        self.on_hand -= quantity;
        Ok(())
    }

    /// Stops receiving it.
    #[event("Discontinued")]
    pub fn discontinue(&mut self) {
        self.discontinued = true;
    }
}

/// The read model: the stock of each item, in a table of the service's own.
mod item_stock {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "item_stock")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub item_id: Uuid,
        pub on_hand: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// An error as the service answers it.
struct ApiError(CommandError<StockError>);

impl From<CommandError<StockError>> for ApiError {
    fn from(error: CommandError<StockError>) -> Self {
        ApiError(error)
    }
}

impl From<ApplicationError> for ApiError {
    fn from(error: ApplicationError) -> Self {
        ApiError(error.into())
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> Self {
        ApiError(error.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match self.0.kind() {
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::Rejected => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::OutcomeUnknown => StatusCode::GATEWAY_TIMEOUT,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        (status, Json(json!({ "error": self.0.to_string() }))).into_response()
    }
}

#[derive(Deserialize)]
struct NewItem {
    name: String,
}

#[derive(Deserialize)]
struct Quantity {
    quantity: u32,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct ItemView {
    id: Uuid,
    name: String,
    on_hand: u32,
    discontinued: bool,
    version: u64,
}

/// `POST /items {"name"}`: a new item and its row of the read model, together.
async fn create_item(
    State(app): State<Application>,
    Json(new): Json<NewItem>,
) -> Result<(StatusCode, Json<ItemView>), ApiError> {
    let item = app
        .unit_of_work(|work| {
            let name = new.name.clone();
            async move {
                let item = work.create(|| Item::create(name)).await?;
                item_stock::ActiveModel {
                    item_id: Set(item.id()),
                    on_hand: Set(0),
                }
                .insert(work.transaction())
                .await?;
                Ok(item)
            }
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view(&item))))
}

/// How many times the units of work of stock commands ran (once per try), to show the tries.
static STOCK_UNIT_RUNS: AtomicU64 = AtomicU64::new(0);

/// A command that changes the stock, and the read model's row with it.
async fn stock_command(
    app: &Application,
    id: Uuid,
    command: impl Fn(&mut Item) -> Result<(), StockError> + Clone + Send,
) -> Result<Json<ItemView>, ApiError> {
    let item = app
        .unit_of_work(|work| {
            let command = command.clone();
            STOCK_UNIT_RUNS.fetch_add(1, Ordering::Relaxed);
            async move {
                let item = work
                    .execute::<Item, _>(id, |item| {
                        command(item)?;
                        Ok::<_, StockError>(item.clone())
                    })
                    .await?;
                item_stock::ActiveModel {
                    item_id: Set(id),
                    on_hand: Set(i64::from(item.on_hand)),
                }
                .update(work.transaction())
                .await?;
                Ok(item)
            }
        })
        .await?;
    Ok(Json(view(&item)))
}

/// `POST /items/{id}/receive {"quantity"}`.
async fn receive(
    State(app): State<Application>,
    Path(id): Path<Uuid>,
    Json(q): Json<Quantity>,
) -> Result<Json<ItemView>, ApiError> {
    stock_command(&app, id, move |item| item.receive(q.quantity)).await
}

/// `POST /items/{id}/ship {"quantity"}`.
async fn ship(
    State(app): State<Application>,
    Path(id): Path<Uuid>,
    Json(q): Json<Quantity>,
) -> Result<Json<ItemView>, ApiError> {
    stock_command(&app, id, move |item| item.ship(q.quantity)).await
}

/// `POST /items/{id}/discontinue`: no read model change, so a plain command.
async fn discontinue(
    State(app): State<Application>,
    Path(id): Path<Uuid>,
) -> Result<Json<ItemView>, ApiError> {
    let item = app
        .execute::<Item, _>(id, |item| {
            item.discontinue();
            Ok::<_, StockError>(item.clone())
        })
        .await?;
    Ok(Json(view(&item)))
}

/// `GET /items/{id}`: the aggregate.
async fn get_item(
    State(app): State<Application>,
    Path(id): Path<Uuid>,
) -> Result<Json<ItemView>, ApiError> {
    let item: Item = app.get(id).await?;
    Ok(Json(view(&item)))
}

/// `GET /stock/{id}`: the read model's row.
async fn get_stock(
    State(app): State<Application>,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let Some(store) = app.seaorm_recorders().map(|r| r.events.store()) else {
        return Ok(StatusCode::NOT_IMPLEMENTED.into_response());
    };
    let row = item_stock::Entity::find_by_id(id)
        .one(store.connection())
        .await?;
    Ok(match row {
        Some(row) => {
            Json(json!({ "item_id": row.item_id, "on_hand": row.on_hand })).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    })
}

fn view(item: &Item) -> ItemView {
    ItemView {
        id: item.id(),
        name: item.name.clone(),
        on_hand: item.on_hand,
        discontinued: item.discontinued,
        version: item.version(),
    }
}

/// The service's routes on an application.
fn router(app: Application) -> Router {
    Router::new()
        .route("/items", post(create_item))
        .route("/items/{id}", get(get_item))
        .route("/items/{id}/receive", post(receive))
        .route("/items/{id}/ship", post(ship))
        .route("/items/{id}/discontinue", post(discontinue))
        .route("/stock/{id}", get(get_stock))
        .with_state(app)
}

/// The application on `database_url`, with the read model's table (which a real service's
/// migrations would create).
async fn application(database_url: &str) -> Result<Application, Box<dyn std::error::Error>> {
    let app = Application::builder("Inventory")
        .database_url(database_url)
        // Twenty requests on one item at once: on a server each try lets one of them through,
        // so the last may need about twenty (the default is 10).
        .retry_policy(RetryPolicy::attempts(40))
        .build()
        .await?;
    let db = app
        .seaorm_recorders()
        .ok_or("not stored through SeaORM")?
        .events
        .store()
        .connection();
    let mut create =
        Schema::new(db.get_database_backend()).create_table_from_entity(item_stock::Entity);
    db.execute(create.if_not_exists()).await?;
    Ok(app)
}

/// Serves the routes on a free local port, in a task; its address.
async fn serve(app: Application) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, router(app)).await });
    Ok(address)
}

/// One HTTP/1.1 request on a connection of its own: the status and the JSON body.
async fn request(
    address: SocketAddr,
    method: &str,
    path: &str,
    body: serde_json::Value,
) -> std::io::Result<(u16, serde_json::Value)> {
    let body = body.to_string();
    let mut stream = TcpStream::connect(address).await?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await?;
    let bad = || std::io::Error::other(format!("not an HTTP answer: {answer:?}"));
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(bad)?;
    let (_, body) = answer.split_once("\r\n\r\n").ok_or_else(bad)?;
    let json = if body.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(body).map_err(|_| bad())?
    };
    Ok((status, json))
}

/// A difference between what the service answered and what it should have.
fn check(ok: bool, what: impl std::fmt::Display) -> Result<(), Box<dyn std::error::Error>> {
    if ok {
        println!("ok: {what}");
        Ok(())
    } else {
        Err(format!("wrong: {what}").into())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let database_url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sqlite::memory:".to_owned());
    let address = serve(application(&database_url).await?).await?;
    println!("inventory service on http://{address}");

    let (status, item) = request(address, "POST", "/items", json!({ "name": "bolt" })).await?;
    check(status == 201, format!("created an item: {status} {item}"))?;
    let id = item["id"].as_str().ok_or("no id")?.to_owned();
    let (status, item) = request(
        address,
        "POST",
        &format!("/items/{id}/receive"),
        json!({ "quantity": 20 }),
    )
    .await?;
    check(
        status == 200 && item["on_hand"] == 20,
        format!("received 20: {item}"),
    )?;

    let runs_before = STOCK_UNIT_RUNS.load(Ordering::Relaxed);
    let ships: Vec<_> = (0..20)
        .map(|_| {
            let path = format!("/items/{id}/ship");
            tokio::spawn(
                async move { request(address, "POST", &path, json!({ "quantity": 1 })).await },
            )
        })
        .collect();
    let mut shipped = 0;
    for ship in ships {
        let (status, answer) = ship.await??;
        check(
            status == 200,
            format!("one of 20 concurrent ships: {status} {answer}"),
        )?;
        shipped += 1;
    }
    let runs = STOCK_UNIT_RUNS.load(Ordering::Relaxed) - runs_before;
    check(
        shipped == 20 && runs >= 20,
        format!(
            "20 concurrent ships all succeeded, in {runs} tries ({} conflicts tried again)",
            runs - 20
        ),
    )?;

    let path = format!("/items/{id}/ship");
    let (status, answer) = request(address, "POST", &path, json!({ "quantity": 1 })).await?;
    check(
        status == 422,
        format!("shipping from an empty stock is refused: {status} {answer}"),
    )?;

    let (_, item) = request(address, "GET", &format!("/items/{id}"), json!(null)).await?;
    let (_, stock) = request(address, "GET", &format!("/stock/{id}"), json!(null)).await?;
    check(
        item["on_hand"] == 0 && item["version"] == 22 && stock["on_hand"] == 0,
        format!("aggregate {item} and read model {stock} agree"),
    )?;

    let unknown = Uuid::new_v4();
    let (status, _) = request(address, "GET", &format!("/items/{unknown}"), json!(null)).await?;
    check(
        status == 404,
        format!("an unknown item is not found: {status}"),
    )?;
    let (status, _) = request(
        address,
        "POST",
        &format!("/items/{id}/discontinue"),
        json!(null),
    )
    .await?;
    check(status == 200, "discontinued")?;
    let (status, answer) = request(
        address,
        "POST",
        &format!("/items/{id}/receive"),
        json!({ "quantity": 1 }),
    )
    .await?;
    check(
        status == 422,
        format!("a discontinued item receives nothing: {answer}"),
    )?;
    println!("all answers as expected");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn service() -> SocketAddr {
        serve(application("sqlite::memory:").await.unwrap())
            .await
            .unwrap()
    }

    async fn new_item(address: SocketAddr, quantity: u32) -> String {
        let (_, item) = request(address, "POST", "/items", json!({ "name": "nut" }))
            .await
            .unwrap();
        let id = item["id"].as_str().unwrap().to_owned();
        let path = format!("/items/{id}/receive");
        request(address, "POST", &path, json!({ "quantity": quantity }))
            .await
            .unwrap();
        id
    }

    #[tokio::test]
    async fn create_and_get() {
        let address = service().await;
        let (status, item) = request(address, "POST", "/items", json!({ "name": "nut" }))
            .await
            .unwrap();
        assert_eq!(status, 201);
        let view: ItemView = serde_json::from_value(item.clone()).unwrap();
        assert_eq!(
            (view.name.as_str(), view.on_hand, view.version),
            ("nut", 0, 1)
        );
        let (status, got) = request(address, "GET", &format!("/items/{}", view.id), json!(null))
            .await
            .unwrap();
        assert_eq!((status, got), (200, item));
        let (status, stock) = request(address, "GET", &format!("/stock/{}", view.id), json!(null))
            .await
            .unwrap();
        assert_eq!((status, &stock["on_hand"]), (200, &json!(0)));
    }

    #[tokio::test]
    async fn ship_updates_the_read_model_and_refuses_more_than_on_hand() {
        let address = service().await;
        let id = new_item(address, 5).await;
        let path = format!("/items/{id}/ship");
        let (status, item) = request(address, "POST", &path, json!({ "quantity": 3 }))
            .await
            .unwrap();
        assert_eq!((status, &item["on_hand"]), (200, &json!(2)));
        let (status, answer) = request(address, "POST", &path, json!({ "quantity": 3 }))
            .await
            .unwrap();
        assert_eq!(status, 422);
        assert!(
            answer["error"].as_str().unwrap().contains("only 2 on hand"),
            "{answer}"
        );
        let (_, stock) = request(address, "GET", &format!("/stock/{id}"), json!(null))
            .await
            .unwrap();
        assert_eq!(stock["on_hand"], 2);
    }

    #[tokio::test]
    async fn unknown_items_are_not_found() {
        let address = service().await;
        let unknown = Uuid::new_v4();
        for (method, path) in [
            ("GET", format!("/items/{unknown}")),
            ("POST", format!("/items/{unknown}/discontinue")),
            ("GET", format!("/stock/{unknown}")),
        ] {
            let (status, _) = request(address, method, &path, json!({ "quantity": 1 }))
                .await
                .unwrap();
            assert_eq!(status, 404, "{method} {path}");
        }
        let (status, _) = request(
            address,
            "POST",
            &format!("/items/{unknown}/ship"),
            json!({ "quantity": 1 }),
        )
        .await
        .unwrap();
        assert_eq!(status, 404);
    }

    #[tokio::test]
    async fn concurrent_ships_all_succeed() {
        let address = service().await;
        let id = new_item(address, 10).await;
        let ships: Vec<_> = (0..10)
            .map(|_| {
                let path = format!("/items/{id}/ship");
                tokio::spawn(async move {
                    request(address, "POST", &path, json!({ "quantity": 1 })).await
                })
            })
            .collect();
        for ship in ships {
            assert_eq!(ship.await.unwrap().unwrap().0, 200);
        }
        let (_, item) = request(address, "GET", &format!("/items/{id}"), json!(null))
            .await
            .unwrap();
        let (_, stock) = request(address, "GET", &format!("/stock/{id}"), json!(null))
            .await
            .unwrap();
        assert_eq!(
            (&item["on_hand"], &stock["on_hand"]),
            (&json!(0), &json!(0))
        );
    }
}
