use clap::Parser;

fn main() {
    let cli = rlvr_audit::cli::Cli::parse();
    match rlvr_audit::cmd::run(cli) {
        Ok(code) => std::process::exit(code.into()),
        Err(e) => {
            eprintln!("Error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            std::process::exit(2);
        }
    }
}
