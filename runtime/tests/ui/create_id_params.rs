use uuid::Uuid;
use eventsourcing_seaorm::prelude::*;

#[aggregate]
pub struct Dog {
    pub name: String,
}

#[aggregate]
impl Dog {
    pub fn create_id(name: &str, owner: &str) -> Uuid {
        Uuid::new_v5(
            &Uuid::NAMESPACE_URL,
            format!("/dogs/{owner}/{name}").as_bytes(),
        )
    }

    #[event("Registered")]
    pub fn register(name: String) -> Self {
        Self { name }
    }
}

fn main() {}
