//! Wires the parts together for each command; decides nothing that `Config` has not settled.

use std::io::Write;
use std::time::{Duration, Instant};

use crate::cli::{Args, Command, Format, StatsFormat};
use crate::config::{Config, Env, Input};
use crate::exit::{Failure, Stop};
use crate::jq::Program;
use crate::live::LiveSource;
use crate::pipeline::Pipeline;
use crate::record::Recorder;
use crate::render::Renderer;
use crate::sink::{is_gone, Sink};
use crate::source::replay::Replay;

pub fn run(args: Args) -> Result<Stop, Failure> {
    match args.command {
        Some(Command::Kinds { json }) => print(&crate::listings::kinds(json, &Env::from_process())),
        Some(Command::Nodes { names }) => {
            print(&crate::listings::nodes(&Env::from_process(), names)?)
        }
        Some(Command::Completions { shell }) => print(&crate::docs::completions(shell)),
        Some(Command::Man) => print(&crate::docs::man_page()),
        Some(Command::Orders(orders)) => crate::orders::run(&orders),
        Some(Command::Sim(sim_args)) => crate::sim::run(&sim_args),
        Some(Command::GenerateDocs { out }) => crate::docs::generate(&out),
        None => tail(Config::resolve(args, Env::from_process())?),
    }
}

/// Writes a command's whole output; a reader that went away (`| head`) is no error.
fn print(bytes: &[u8]) -> Result<Stop, Failure> {
    match std::io::stdout().lock().write_all(bytes) {
        Err(e) if !is_gone(&e) => Err(e.into()),
        _ => Ok(Stop::InputEnded),
    }
}

fn tail(cfg: Config) -> Result<Stop, Failure> {
    cfg.say_warnings();
    let (timeout, count) = (cfg.timeout, cfg.count);
    let stop = tail_config(cfg)?;
    crate::exit::say_timed_out(stop, timeout, count);
    Ok(stop)
}

fn tail_config(mut cfg: Config) -> Result<Stop, Failure> {
    let mut pipeline = pipeline(&mut cfg)?;
    match std::mem::replace(&mut cfg.input, Input::Live(Vec::new())) {
        Input::Replay(path) => replay(&cfg, pipeline, &path),
        Input::Live(urls) => {
            let mut source = LiveSource::start(&urls, &cfg.live, cfg.max_frame, &cfg.env)?;
            pipeline.renderer.pad_sources(source.label_width);
            let stop = pipeline.run(&mut source);
            stopped_live(&pipeline, &mut source, &stop, cfg.stats);
            stop
        }
        Input::Demo { speed, seed } => demo(&cfg, pipeline, speed, seed),
    }
}

/// The stages a run's frames go through, as the configuration settles them.
fn pipeline(cfg: &mut Config) -> Result<Pipeline, Failure> {
    let program = cfg
        .jq
        .as_ref()
        .map(|jq| Program::compile(jq, &cfg.env.vars, cfg.stderr_color))
        .transpose()?;
    let show_source = matches!(&cfg.input, Input::Live(urls) if urls.len() > 1);
    let renderer = Renderer::new(
        cfg.format,
        cfg.envelope,
        cfg.palette.clone(),
        cfg.stdout_terminal,
        show_source,
    )
    .with_width(cfg.width);
    let filter = std::mem::take(&mut cfg.filter);
    let mut pipeline = Pipeline::new(filter, renderer, Sink::stdout());
    if cfg.follow_width && cfg.format == Format::Pretty {
        crate::resize::watch();
        pipeline.follow_width = true;
    }
    pipeline.program = program.map(Box::new);
    pipeline.stderr_terminal = cfg.env.stderr_terminal;
    pipeline.count = cfg.count;
    pipeline.deadline = cfg.timeout.map(|t| Instant::now() + t);
    if cfg.stats.is_some() {
        pipeline.stats = Some(Box::default());
    }
    if let Some(path) = &cfg.record {
        pipeline.recorder = Some(Recorder::open(path)?);
    }
    Ok(pipeline)
}

/// `--replay FILE`: ends with the input; exits 5 when the program failed on every frame.
fn replay(cfg: &Config, mut pipeline: Pipeline, path: &std::path::Path) -> Result<Stop, Failure> {
    if let Some(recorder) = &pipeline.recorder {
        recorder.check_not_input(path)?;
    }
    let mut source = Replay::open(path, cfg.max_frame)?;
    if let Some(timeout) = cfg.timeout {
        watchdog(timeout, cfg.count);
    }
    let stop = pipeline.run(&mut source);
    not_json(&pipeline, path);
    print_stats(&pipeline, None, cfg.stats);
    match stop {
        Ok(Stop::InputEnded) if pipeline.program_failed_everywhere() => Ok(Stop::ProgramFailed),
        stop => stop,
    }
}

/// `--demo`: the simulated node in-process, tailed like any other.
fn demo(
    cfg: &Config,
    mut pipeline: Pipeline,
    speed: f64,
    seed: Option<u64>,
) -> Result<Stop, Failure> {
    let sim = crate::sim::start(crate::sim::SimOptions::demo(speed, seed))?;
    if !cfg.quiet {
        let _ = writeln!(
            std::io::stderr(),
            "obtail: --demo: this is a simulated node, not a real one: {}",
            sim.banner().trim_start_matches("obtail sim: ")
        );
    }
    let mut source = LiveSource::start(&[sim.url()], &cfg.live, cfg.max_frame, &cfg.env)?;
    let stop = pipeline.run(&mut source);
    stopped_live(&pipeline, &mut source, &stop, cfg.stats);
    drop(source);
    sim.stop();
    stop
}

/// Stops the node threads; says how many frames read from the nodes were never printed, when
/// obtail stopped before their turn (Ctrl-C, `--timeout`); not after `-n` or a closed stdout,
/// which ask for no more; then the books.
fn stopped_live(
    pipeline: &Pipeline,
    source: &mut LiveSource,
    stop: &Result<Stop, Failure>,
    stats: Option<StatsFormat>,
) {
    let unprinted = source.stop() + pipeline.unprinted;
    let unwritten = pipeline.sink.unwritten();
    if unwritten > 0 {
        let _ = writeln!(
            std::io::stderr(),
            "obtail: stdout was blocked at Ctrl-C: the last {unwritten} bytes of output were \
             not written"
        );
    }
    let asked_no_more = matches!(
        stop,
        Ok(Stop::CountReached | Stop::ReaderGone | Stop::Halted(_))
    );
    if unprinted > 0 && !asked_no_more {
        let _ = writeln!(
            std::io::stderr(),
            "obtail: stopped with {unprinted} frame{} read but not yet printed (--stats \
             counts {} as queued)",
            if unprinted == 1 { "" } else { "s" },
            if unprinted == 1 { "it" } else { "them" },
        );
    }
    print_stats(pipeline, Some(source), stats);
}

/// `--stats`: the pipeline's books with what the node threads counted (drops, doubles).
fn print_stats(pipeline: &Pipeline, live: Option<&LiveSource>, format: Option<StatsFormat>) {
    let (Some(stats), Some(format)) = (&pipeline.stats, format) else {
        return;
    };
    let mut all = (**stats).clone();
    if let Some(live) = live {
        all.merge(&live.stats());
    }
    all.say(format);
}

/// A replay in which no frame was JSON is most likely not a recording at all: say so, rather
/// than leave a screen of `invalid` lines to explain themselves.
fn not_json(pipeline: &Pipeline, path: &std::path::Path) {
    if pipeline.frames == 0 || pipeline.not_json < pipeline.frames {
        return;
    }
    let name = if path == std::path::Path::new("-") {
        "stdin".to_string()
    } else {
        crate::sanitize::escape(&path.display().to_string())
    };
    let _ = writeln!(
        std::io::stderr(),
        "obtail: warning: no frame of {name} was JSON: --replay reads what --record wrote, \
         NDJSON, or the node's pretty frames"
    );
}

/// A replay read blocks where the pipeline cannot check its deadline (stdin from a slow
/// producer). Output is always flushed before such a read, so ending the process from here
/// loses nothing; the grace period lets a busy pipeline stop by itself first.
fn watchdog(timeout: Duration, count: Option<u64>) {
    std::thread::spawn(move || {
        std::thread::sleep(timeout + Duration::from_millis(200));
        match count {
            Some(count) => {
                crate::exit::say_timed_out(Stop::TimedOut, Some(timeout), Some(count));
                std::process::exit(4)
            }
            None => std::process::exit(0),
        }
    });
}
