//! Rebuild when a migration is added: the migrations are embedded by `sqlx::migrate!`, which
//! cannot tell cargo about new files itself.
fn main() {
    println!("cargo:rerun-if-changed=src/store/migrations");
}
