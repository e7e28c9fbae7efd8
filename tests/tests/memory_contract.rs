//! The recorder contract, run against the in-memory recorder.

// The contract futures nest deeply.
#![recursion_limit = "256"]

use std::sync::Arc;

use eventsourcing_seaorm::memory::InMemoryRecorder;
use eventsourcing_seaorm::persistence::{AggregateRecorder, ProcessRecorder};
use eventsourcing_seaorm_tests::contract::RecorderFactory;
use eventsourcing_seaorm_tests::recorder_contract;

struct Memory;

impl RecorderFactory for Memory {
    async fn process_recorder(&self) -> Arc<dyn ProcessRecorder> {
        Arc::new(InMemoryRecorder::new("test"))
    }

    async fn same_store(&self, recorder: &Arc<dyn ProcessRecorder>) -> Arc<dyn ProcessRecorder> {
        recorder.clone()
    }

    async fn snapshot_recorder(&self) -> Arc<dyn AggregateRecorder> {
        Arc::new(InMemoryRecorder::new("test"))
    }

    fn saves_take_time(&self) -> bool {
        false
    }
}

recorder_contract!(Some(Memory));
