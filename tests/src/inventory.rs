//! The inventory service's `Item` (issue 21): created, received, shipped (never more than on
//! hand), discontinued; for the tests of commands, units of work and error kinds, and the
//! bench's commands.

use eventsourcing_seaorm::{aggregate, event};

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
    /// The item is discontinued: nothing more is received.
    #[error("the item is discontinued")]
    Discontinued,
}

/// An item of stock.
#[aggregate(topic_module = "inventory")]
#[derive(Debug, PartialEq)]
pub struct Item {
    /// Its name.
    pub name: String,
    /// How many are on hand.
    pub on_hand: u32,
    /// Whether it is discontinued.
    pub discontinued: bool,
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

    /// Ships `quantity`, at most what is on hand.
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
