use eventsourcing_seaorm::domain::Transcode;

#[derive(Transcode)]
enum Shape {
    Circle(f64),
    Square { side: f64 },
    Point,
}

#[derive(Transcode)]
struct Pair(u32, u32);

#[derive(Transcode)]
struct Page<T> {
    items: Vec<T>,
}

#[derive(Transcode)]
#[transcode(module = "x")]
struct Line {
    #[transcode(rename = "a", skip, colour)]
    sku: String,
}

#[derive(Transcode)]
enum Status {
    #[transcode(name = "x")]
    Open,
}

fn main() {}
