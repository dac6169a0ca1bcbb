use clap::Parser;

fn main() {
    let cli = rlvr_audit::cli::Cli::parse();
    if let Err(e) = rlvr_audit::app::run(cli) {
        eprintln!("Error: {e}");
        for cause in e.chain().skip(1) {
            eprintln!("  caused by: {cause}");
        }
        std::process::exit(2);
    }
}
