//! Wires the parts together for each command; decides nothing that `Config` has not settled.

use std::io::Write;
use std::time::{Duration, Instant};

use crate::cli::{Args, Command};
use crate::config::{Config, Env, Input};
use crate::exit::{Failure, Stop};
use crate::jq::Program;
use crate::kind::CATALOG;
use crate::live::LiveSource;
use crate::pipeline::{Pipeline, Recorder};
use crate::render::Renderer;
use crate::sink::{is_gone, Sink};
use crate::source::replay::Replay;
use crate::style::Palette;

pub fn run(args: Args) -> Result<Stop, Failure> {
    match args.command {
        Some(Command::Kinds) => kinds(),
        Some(Command::Sim(sim_args)) => crate::sim::run(&sim_args),
        Some(Command::GenerateDocs { out }) => crate::docs::generate(&out),
        None => tail(Config::resolve(args, Env::from_process())?),
    }
}

/// `obtail kinds`: the catalog, one kind a line.
fn kinds() -> Result<Stop, Failure> {
    let width = CATALOG.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let mut text = String::new();
    for (name, what) in CATALOG {
        text.push_str(&format!("{name:<width$}  {what}\n"));
    }
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if !is_gone(&e) => Err(e.into()),
        _ => Ok(Stop::InputEnded),
    }
}

fn tail(cfg: Config) -> Result<Stop, Failure> {
    let program = cfg
        .jq
        .as_ref()
        .map(|jq| Program::compile(jq, &cfg.env.vars, cfg.stderr_color))
        .transpose()?;
    let show_source = matches!(&cfg.input, Input::Live(urls) if urls.len() > 1);
    let renderer = Renderer::new(
        cfg.format,
        cfg.envelope,
        Palette::new(cfg.color),
        cfg.stdout_terminal,
        show_source,
    );
    let mut pipeline = Pipeline::new(cfg.filter, renderer, Sink::stdout());
    pipeline.program = program.map(Box::new);
    pipeline.stderr_terminal = cfg.env.stderr_terminal;
    pipeline.count = cfg.count;
    pipeline.deadline = cfg.timeout.map(|t| Instant::now() + t);
    if cfg.stats {
        pipeline.stats = Some(Box::default());
    }
    if let Some(path) = &cfg.record {
        pipeline.recorder = Some(Recorder::open(path)?);
    }
    match cfg.input {
        Input::Replay(path) => {
            if let Some(recorder) = &pipeline.recorder {
                recorder.check_not_input(&path)?;
            }
            let mut source = Replay::open(&path, cfg.max_frame)?;
            if let Some(timeout) = cfg.timeout {
                watchdog(timeout, cfg.count.is_some());
            }
            let stop = pipeline.run(&mut source);
            print_stats(&pipeline, None);
            stop
        }
        Input::Live(urls) => {
            let mut source = LiveSource::start(&urls, &cfg.live, cfg.max_frame, &cfg.env)?;
            let stop = pipeline.run(&mut source);
            print_stats(&pipeline, Some(&source));
            stop
        }
        Input::Demo { speed, seed } => {
            let sim = crate::sim::start(crate::sim::SimOptions::demo(speed, seed))?;
            let _ = writeln!(
                std::io::stderr(),
                "obtail: --demo: this is a simulated node, not a real one: {}",
                sim.banner().trim_start_matches("obtail sim: ")
            );
            let mut source = LiveSource::start(&[sim.url()], &cfg.live, cfg.max_frame, &cfg.env)?;
            let stop = pipeline.run(&mut source);
            print_stats(&pipeline, Some(&source));
            drop(source);
            sim.stop();
            stop
        }
    }
}

/// `--stats`: the pipeline's books with what the node threads counted (drops, doubles).
fn print_stats(pipeline: &Pipeline, live: Option<&LiveSource>) {
    let Some(stats) = &pipeline.stats else {
        return;
    };
    let mut all = (**stats).clone();
    if let Some(live) = live {
        all.merge(&live.stats());
    }
    let _ = std::io::stderr().lock().write_all(all.table().as_bytes());
}

/// A replay read blocks where the pipeline cannot check its deadline (stdin from a slow
/// producer). Output is always flushed before such a read, so ending the process from here
/// loses nothing; the grace period lets a busy pipeline stop by itself first.
fn watchdog(timeout: Duration, counting: bool) {
    std::thread::spawn(move || {
        std::thread::sleep(timeout + Duration::from_millis(200));
        std::process::exit(if counting { 4 } else { 0 });
    });
}
