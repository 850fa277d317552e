//! Standard output. A reader that stops early (`warren run … | head`)
//! closes the pipe, and the rest of the output has nowhere to go: not a
//! panic, but the quiet end Unix tools make of it (status 141, as a
//! process killed by SIGPIPE reports in a shell).

use std::io::{ErrorKind, Write};

/// The exit status after the reader closed the pipe: 128 + SIGPIPE.
const PIPE_CLOSED: i32 = 141;

/// Writes `text` to standard output, ending the process if it cannot.
pub(crate) fn write(text: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(text).and_then(|()| out.flush()) {
        if e.kind() == ErrorKind::BrokenPipe {
            std::process::exit(PIPE_CLOSED);
        }
        eprintln!("warren: cannot write the output: {e}");
        std::process::exit(1);
    }
}

/// `print!` that ends the process quietly when the reader has gone.
macro_rules! out {
    ($($t:tt)*) => { $crate::out::write(format_args!($($t)*)) };
}

/// `println!` that ends the process quietly when the reader has gone.
macro_rules! outln {
    ($($t:tt)*) => { $crate::out::write(format_args!("{}\n", format_args!($($t)*))) };
}

pub(crate) use {out, outln};
