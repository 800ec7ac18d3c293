"""Capacity planning for a piti-serve fleet, by discrete-event simulation (seeded).

    /usr/bin/python3 tools/piti_tools/fleet_sim.py --rate demo-mask=70 --rate demo-sketch=30
    /usr/bin/python3 tools/piti_tools/fleet_sim.py sizing --steps 50+10 --steps 12+8   # docs/SCALING.md
    /usr/bin/python3 tools/piti_tools/fleet_sim.py scaleout --job-s 2.56 --cores 2     # vs bench scaleout

What it models, per model lane (lanes share nothing: own topic, own workers, own KEDA scaler):

- Jobs arrive as a Poisson stream at the lane's rate and land on one of the lane topic's partitions
  at random (job ids are random). A partition belongs to one ready worker (round robin over the
  ready workers, reassigned when one joins or leaves); there is no work stealing.
- A worker (one GPU) admits up to ``batch`` jobs (PITISERVE_WORKER_CONCURRENCY), the oldest waiting
  job of its partitions first, and runs them with continuous batching: every iteration does one
  denoising step of every admitted job and takes ``overhead + n * w`` seconds for n jobs, where w is
  the job's GPU seconds divided by its steps. A job's GPU seconds come from the FLOPs of its decoder
  calls (base steps x rows, 2 rows when guided; upsampler steps x 1 row; two encoder calls) at a
  stated fraction of the card's peak. Splitting the work evenly over the steps is exact for GPU time
  and an approximation for how long one job takes in a mixed batch.
- KEDA polls the lane's lag (queued + running) every ``polling_s`` and asks for
  ceil(lag / lag_threshold) workers (at least one while lag > 0, zero after ``cooldown_s`` without
  lag), capped by ``max_replicas``; the HPA adds at most ``scale_up_pods`` per ``scale_up_period_s``
  and removes at most ``scale_down_pods`` per ``scale_down_period_s`` after a ``scale_down_window_s``
  stabilisation. A new worker holds its GPU from the moment it is asked for and takes jobs
  ``load_s`` later (pod start, model download and load); a removed worker finishes its jobs first.

It reports per model the p50 and p99 queue time (accepted to admitted by a worker), the GPUs held
on average, their utilisation, and GPU-hours per 1,000 images, as a table and a last JSON line.
"""
from __future__ import annotations

import argparse
import bisect
import heapq
import json
import math
import random
import sys
from collections import deque
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

# NVIDIA H100 SXM, dense bf16 tensor-core peak (the sparse figure is twice this).
H100_BF16_TFLOPS = 989.0
# FLOPs of one decoder call per row and one encoder call at the released PITI sizes
# (tools/configs/mask.toml and sketch.toml, which differ only in the input's channels), as counted
# by decoder_gflop() below; the tests check the count still gives these.
RELEASED_BASE_GFLOP = 230.4
RELEASED_UPSAMPLER_GFLOP = 1272.0
RELEASED_ENCODER_GFLOP = 18.3


@dataclass(frozen=True)
class Steps:
    """Denoising steps of a job: base (64 px, guided: 2 rows per call) and upsampler (256 px, 1 row)."""

    base: int = 50
    upsampler: int = 10
    guided: bool = True

    @staticmethod
    def parse(text: str) -> "Steps":
        base, up = text.split("+")
        return Steps(int(base), int(up))

    def __str__(self) -> str:
        return f"{self.base}+{self.upsampler}"


@dataclass(frozen=True)
class Gpu:
    """How fast a worker's device turns FLOPs into steps."""

    peak_tflops: float = H100_BF16_TFLOPS
    efficiency: float = 0.35  # fraction of peak the decoder calls reach at useful batch sizes
    overhead_s: float = 0.004  # per iteration: launches and the small-batch floor, whatever the rows
    base_gflop: float = RELEASED_BASE_GFLOP
    upsampler_gflop: float = RELEASED_UPSAMPLER_GFLOP
    encoder_gflop: float = RELEASED_ENCODER_GFLOP

    def job_seconds(self, steps: Steps) -> float:
        """GPU seconds of one job's decoder and encoder calls, without the per-iteration overhead."""
        rows = 2 if steps.guided else 1
        gflop = (steps.base * rows * self.base_gflop + steps.upsampler * self.upsampler_gflop
                 + 2 * self.encoder_gflop)
        return gflop / (self.peak_tflops * 1000.0 * self.efficiency)


@dataclass(frozen=True)
class Lane:
    """One model's lane and the KEDA/worker settings of its ScaledObject and Deployment."""

    name: str
    rate: float  # jobs per second (Poisson); ignored with closed_depth
    job_s: float  # GPU seconds of one job (Gpu.job_seconds), at batch 1 without overhead
    steps: int  # iterations one job needs (base + upsampler steps)
    overhead_s: float = 0.004
    batch: int = 8  # PITISERVE_WORKER_CONCURRENCY: jobs in one continuous batch
    partitions: int = 48
    max_replicas: int = 24
    min_replicas: int = 0
    lag_threshold: int | None = None  # None: 2 x batch
    polling_s: float = 15.0
    cooldown_s: float = 600.0
    load_s: float = 60.0
    scale_up_pods: int = 4
    scale_up_period_s: float = 60.0
    scale_down_pods: int = 1
    scale_down_period_s: float = 120.0
    scale_down_window_s: float = 600.0
    autoscale: bool = True  # False: exactly min_replicas workers, ready from the start
    service: str = "deterministic"  # or "exponential" (job sizes; for checks against M/M/1)
    cores: float | None = None  # workers share this many devices (bench scaleout on one CPU box)
    closed_depth: int | None = None  # keep this many jobs in the lane (a new one per completion)


@dataclass
class Worker:
    wid: int
    held_at: float
    ready_at: float
    partitions: list[int] = field(default_factory=list)
    ready: bool = False
    draining: bool = False
    jobs: list[tuple[float, int, float]] = field(default_factory=list)  # heap of (finish V, job, arrival)
    v: float = 0.0  # virtual clock: steps every admitted job has done
    t: float = 0.0  # when v was last brought up to date
    speed: float = 1.0
    epoch: int = 0
    busy_s: float = 0.0  # time with at least one job


@dataclass
class LaneResult:
    name: str
    rate: float
    jobs: int
    queue_p50_s: float
    queue_p99_s: float
    queue_mean_s: float
    gpus_mean: float
    gpus_max: int
    gpu_busy: float  # fraction of held GPU time with a batch running
    gpu_hours_per_1000: float
    job_gpu_s: float
    throughput: float  # completions per second in the measured window
    backlog: int  # jobs waiting at the end


class LaneSim:
    def __init__(self, lane: Lane, seed: int, duration_s: float, warmup_s: float):
        self.lane, self.rng = lane, random.Random(seed)
        self.end, self.warmup = warmup_s + duration_s, warmup_s
        self.threshold = lane.lag_threshold or 2 * lane.batch
        self.queues = [deque() for _ in range(lane.partitions)]
        self.owner: list[Worker | None] = [None] * lane.partitions
        self.queued = 0
        self.events: list[tuple[float, int, str, object]] = []
        self.seq = 0
        self.workers: dict[int, Worker] = {}
        self.next_wid = 0
        self.waits: list[float] = []
        self.completed = 0
        self.held_integral = 0.0
        self.busy_integral = 0.0
        self.t_acc = 0.0
        self.gpus_max = 0
        self.added: deque[float] = deque()
        self.removed: deque[float] = deque()
        self.desired_history: deque[tuple[float, int]] = deque()
        self.last_lag_at = -math.inf

    # -- bookkeeping -------------------------------------------------------------------------
    def push(self, t: float, kind: str, payload: object = None) -> None:
        self.seq += 1
        heapq.heappush(self.events, (t, self.seq, kind, payload))

    def accrue(self, now: float) -> None:
        """GPU-held and GPU-busy time inside the measured window, up to now."""
        lo, hi = max(self.t_acc, self.warmup), min(now, self.end)
        if hi > lo:
            held = len(self.workers)
            busy = sum(1 for w in self.workers.values() if w.jobs)
            self.held_integral += held * (hi - lo)
            self.busy_integral += busy * (hi - lo)
        self.t_acc = now

    def in_service(self) -> int:
        return sum(len(w.jobs) for w in self.workers.values())

    def iteration_s(self, n: int) -> float:
        return self.lane.overhead_s + n * self.lane.job_s / self.lane.steps

    def advance(self, w: Worker, now: float) -> None:
        if w.jobs:
            w.v += (now - w.t) * w.speed / self.iteration_s(len(w.jobs))
        w.t = now

    def schedule_done(self, w: Worker, now: float) -> None:
        w.epoch += 1
        if w.jobs:
            finish_v = w.jobs[0][0]
            dt = max(0.0, finish_v - w.v) * self.iteration_s(len(w.jobs)) / w.speed
            self.push(now + dt, "done", (w.wid, w.epoch))

    def set_speeds(self, now: float) -> None:
        """Workers sharing ``cores`` devices: each busy one gets an equal share, at most one device."""
        if self.lane.cores is None:
            return
        busy = [w for w in self.workers.values() if w.jobs]
        speed = min(1.0, self.lane.cores / len(busy)) if busy else 1.0
        for w in busy:
            if w.speed != speed:
                self.advance(w, now)
                w.speed = speed
                self.schedule_done(w, now)
        for w in self.workers.values():
            if not w.jobs:
                w.speed = speed

    # -- jobs ----------------------------------------------------------------------------------
    def job_steps(self) -> float:
        if self.lane.service == "exponential":
            return self.rng.expovariate(1.0) * self.lane.steps
        return float(self.lane.steps)

    def arrive(self, now: float) -> None:
        p = self.rng.randrange(self.lane.partitions)
        self.queues[p].append((now, self.job_steps()))
        self.queued += 1
        self.last_lag_at = now
        owner = self.owner[p]
        if owner is not None:
            self.admit(owner, now)

    def admit(self, w: Worker, now: float) -> None:
        if not w.ready or w.draining or len(w.jobs) >= self.lane.batch:
            return
        changed = False
        while len(w.jobs) < self.lane.batch:
            heads = [(self.queues[p][0][0], p) for p in w.partitions if self.queues[p]]
            if not heads:
                break
            arrival, p = min(heads)
            _, size = self.queues[p].popleft()
            self.queued -= 1
            if not changed:
                self.advance(w, now)
                changed = True
            heapq.heappush(w.jobs, (w.v + size, self.seq, arrival))
            self.seq += 1
            if arrival >= self.warmup and now <= self.end:
                self.waits.append(now - arrival)
        if changed:
            self.schedule_done(w, now)
            self.set_speeds(now)

    def done(self, now: float, wid: int, epoch: int) -> None:
        w = self.workers.get(wid)
        if w is None or w.epoch != epoch:
            return
        self.advance(w, now)
        while w.jobs and w.jobs[0][0] <= w.v + 1e-9:
            heapq.heappop(w.jobs)
            if self.warmup <= now <= self.end:
                self.completed += 1
            if self.lane.closed_depth:
                self.arrive(now)
        self.schedule_done(w, now)
        if w.draining and not w.jobs:
            self.accrue(now)
            del self.workers[wid]
        else:
            self.admit(w, now)
        self.set_speeds(now)

    # -- the fleet -------------------------------------------------------------------------------
    def ready_workers(self) -> list[Worker]:
        return sorted((w for w in self.workers.values() if w.ready and not w.draining), key=lambda w: w.wid)

    def rebalance(self, now: float) -> None:
        ready = self.ready_workers()
        for w in self.workers.values():
            w.partitions = []
        for p in range(self.lane.partitions):
            self.owner[p] = ready[p % len(ready)] if ready else None
            if ready:
                ready[p % len(ready)].partitions.append(p)
        for w in ready:
            self.admit(w, now)

    def add_worker(self, now: float, load_s: float) -> None:
        self.accrue(now)
        w = Worker(self.next_wid, held_at=now, ready_at=now + load_s, t=now)
        self.next_wid += 1
        self.workers[w.wid] = w
        self.gpus_max = max(self.gpus_max, len(self.workers))
        self.push(now + load_s, "ready", w.wid)

    def remove_worker(self, now: float) -> None:
        """The newest worker goes: one still loading at once, a ready one after its jobs."""
        candidates = sorted((w for w in self.workers.values() if not w.draining), key=lambda w: -w.wid)
        if not candidates:
            return
        w = candidates[0]
        self.accrue(now)
        if not w.jobs:
            del self.workers[w.wid]
        else:
            w.draining = True
        self.rebalance(now)

    def replicas(self) -> int:
        return sum(1 for w in self.workers.values() if not w.draining)

    def poll(self, now: float) -> None:
        lane = self.lane
        lag = self.queued + self.in_service()
        if lag > 0:
            self.last_lag_at = now
        current = self.replicas()
        if lag == 0 and now - self.last_lag_at >= lane.cooldown_s:
            desired = lane.min_replicas
        else:
            desired = max(1, lane.min_replicas, math.ceil(lag / self.threshold))
        desired = min(desired, lane.max_replicas)
        self.desired_history.append((now, desired))
        while self.desired_history and self.desired_history[0][0] < now - lane.scale_down_window_s:
            self.desired_history.popleft()
        if desired > current:
            while self.added and self.added[0] <= now - lane.scale_up_period_s:
                self.added.popleft()
            for _ in range(min(desired - current, max(0, lane.scale_up_pods - len(self.added)))):
                self.add_worker(now, lane.load_s)
                self.added.append(now)
        elif desired < current:
            if desired == 0:
                target = 0  # KEDA deactivates the lane after the cooldown, whatever the HPA window
            else:
                target = max(d for _, d in self.desired_history)
            while self.removed and self.removed[0] <= now - lane.scale_down_period_s:
                self.removed.popleft()
            allowed = current if target == 0 else max(0, lane.scale_down_pods - len(self.removed))
            for _ in range(min(max(0, current - target), allowed)):
                self.remove_worker(now)
                self.removed.append(now)
        self.push(now + lane.polling_s, "poll")

    def run(self) -> LaneResult:
        lane = self.lane
        if lane.autoscale:
            for _ in range(lane.min_replicas):
                self.add_worker(0.0, 0.0)
            self.push(0.0, "poll")
        else:
            for _ in range(max(1, lane.min_replicas)):
                self.add_worker(0.0, 0.0)
        if lane.closed_depth:
            for _ in range(lane.closed_depth):
                self.push(0.0, "arrival-once")
        elif lane.rate > 0:
            self.push(self.rng.expovariate(lane.rate), "arrival")
        while self.events:
            now, _, kind, payload = heapq.heappop(self.events)
            if now > self.end:
                break
            self.accrue(now)
            if kind == "arrival":
                self.arrive(now)
                self.push(now + self.rng.expovariate(lane.rate), "arrival")
            elif kind == "arrival-once":
                self.arrive(now)
            elif kind == "done":
                self.done(now, *payload)
            elif kind == "ready":
                w = self.workers.get(payload)
                if w is not None and not w.draining:
                    w.ready = True
                    self.rebalance(now)
            elif kind == "poll":
                self.poll(now)
        self.accrue(self.end)
        window = self.end - self.warmup
        waits = sorted(self.waits)
        gpu_hours = self.held_integral / 3600.0
        return LaneResult(
            name=lane.name, rate=lane.rate, jobs=len(waits),
            queue_p50_s=percentile(waits, 0.50), queue_p99_s=percentile(waits, 0.99),
            queue_mean_s=sum(waits) / len(waits) if waits else math.nan,
            gpus_mean=self.held_integral / window, gpus_max=self.gpus_max,
            gpu_busy=self.busy_integral / self.held_integral if self.held_integral else 0.0,
            gpu_hours_per_1000=gpu_hours / self.completed * 1000.0 if self.completed else math.nan,
            job_gpu_s=lane.job_s, throughput=self.completed / window, backlog=self.queued)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (NaN when empty)."""
    if not sorted_values:
        return math.nan
    return sorted_values[min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))]


def simulate(lane: Lane, seed: int = 1, duration_s: float = 1800.0, warmup_s: float = 600.0) -> LaneResult:
    return LaneSim(lane, seed, duration_s, warmup_s).run()


# -- FLOPs of the released networks --------------------------------------------------------------
def decoder_gflop(config: str = "mask") -> dict[str, float]:
    """GFLOPs of one decoder call (batch 1) per stage and of one encoder call, counted op by op
    (convolutions and matrix products, 2 FLOPs per multiply-add) on meta tensors: nothing is
    allocated or computed, so it takes a fraction of a second even at released sizes."""
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from piti_tools.config import load_config
    from piti_tools.networks import build_stage

    aten = torch.ops.aten

    def numel(shape) -> int:
        return math.prod(int(s) for s in shape)

    class Counter(TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.flops = 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            op = func._overloadpacket
            if op in (aten.mm, aten.bmm):
                self.flops += 2 * numel(args[0].shape) * int(args[1].shape[-1])
            elif op in (aten.addmm, aten.baddbmm):
                self.flops += 2 * numel(args[1].shape) * int(args[2].shape[-1])
            elif op is aten.convolution:
                self.flops += 2 * numel(out.shape) * numel(args[1].shape[1:])
            return out

    cfg = load_config(config)
    result: dict[str, float] = {}
    for name, stage in cfg.stages.items():
        net = build_stage(stage, device="meta").eval()
        e = stage.encoder
        ref = torch.zeros(1, e.in_channels, e.ref_size, e.ref_size, device="meta")
        x = torch.zeros(1, 3, stage.resolution, stage.resolution, device="meta")
        t = torch.zeros(1, device="meta")
        low = torch.zeros(1, 3, stage.low_res, stage.low_res, device="meta") if stage.is_upsampler else None
        with torch.no_grad():
            encoder = Counter()
            with encoder:
                proj, tokens = net.encoder(ref)
            decoder = Counter()
            with decoder:
                net.decode(x, t, proj, tokens, low)
        result[name] = decoder.flops / 1e9
        result[f"{name}_encoder"] = encoder.flops / 1e9
    return result


# -- command line ----------------------------------------------------------------------------------
def lane_for(name: str, rate: float, steps: Steps, gpu: Gpu, **settings) -> Lane:
    return Lane(name=name, rate=rate, job_s=gpu.job_seconds(steps), steps=steps.base + steps.upsampler,
                overhead_s=gpu.overhead_s, **settings)


def sized(rate: float, job_s: float, steps: int, overhead_s: float, batch: int) -> tuple[int, int]:
    """maxReplicas and partitions for a lane: room for 1.5 x the mean load (at full batches), and
    partitions a multiple of 12 with at least two per worker."""
    per_worker = batch / (steps * overhead_s + batch * job_s)
    replicas = max(2, math.ceil(1.5 * rate / per_worker))
    partitions = 12 * math.ceil(2 * replicas / 12)
    return replicas, partitions


def print_table(rows: list[dict]) -> None:
    print(f"{'model':12} {'steps':>6} {'jobs/s':>8} {'GPU s/job':>9} {'p50 queue s':>11} {'p99 queue s':>11} "
          f"{'GPUs mean':>9} {'GPUs max':>8} {'busy':>5} {'GPU-h/1000':>10} {'maxRepl':>7} {'parts':>5}")
    for r in rows:
        print(f"{r['model']:12} {r['steps']:>6} {r['rate']:8.1f} {r['job_gpu_s']:9.3f} {r['queue_p50_s']:11.2f} "
              f"{r['queue_p99_s']:11.2f} {r['gpus_mean']:9.2f} {r['gpus_max']:8d} {r['gpu_busy']:5.2f} "
              f"{r['gpu_hours_per_1000']:10.3f} {r['max_replicas']:7d} {r['partitions']:5d}")


def run_lanes(rates: dict[str, float], steps: Steps, gpu: Gpu, a: argparse.Namespace, size: bool) -> list[dict]:
    rows = []
    for i, (name, rate) in enumerate(rates.items()):
        settings = dict(batch=a.batch, polling_s=a.polling_s, cooldown_s=a.cooldown_s, load_s=a.load_s)
        lane = lane_for(name, rate, steps, gpu, **settings)
        if size:
            replicas, partitions = sized(rate, lane.job_s, lane.steps, lane.overhead_s, a.batch)
        else:
            replicas, partitions = a.max_replicas, a.partitions
        lane = replace(lane, max_replicas=replicas, partitions=partitions)
        r = simulate(lane, seed=a.seed + i, duration_s=a.duration_s, warmup_s=a.warmup_s)
        row = {"model": name, "steps": str(steps), **asdict(r), "max_replicas": replicas, "partitions": partitions}
        del row["name"]
        rows.append(row)
    return rows


def rounded(rows: list[dict]) -> list[dict]:
    return [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()} for row in rows]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("mode", nargs="?", default="fleet", choices=["fleet", "sizing", "scaleout"])
    p.add_argument("--rate", action="append", default=[], help="MODEL=JOBS_PER_S (fleet); repeatable")
    p.add_argument("--steps", action="append", default=[], help="BASE+UPSAMPLER steps, e.g. 50+10; repeatable")
    p.add_argument("--totals", default="10,100,1000", help="sizing: total jobs/s over all models")
    p.add_argument("--mix", default="demo-mask=0.7,demo-sketch=0.3", help="sizing: share of each model")
    p.add_argument("--efficiency", type=float, default=Gpu.efficiency, help="fraction of the GPU's bf16 peak")
    p.add_argument("--peak-tflops", type=float, default=H100_BF16_TFLOPS)
    p.add_argument("--overhead-ms", type=float, default=Gpu.overhead_s * 1000, help="per batched iteration")
    p.add_argument("--count-flops", metavar="CONFIG", help="count the decoder FLOPs of tools/configs/CONFIG "
                   "instead of the released sizes' figures")
    p.add_argument("--batch", type=int, default=8, help="jobs per worker (PITISERVE_WORKER_CONCURRENCY)")
    p.add_argument("--polling-s", type=float, default=15.0)
    p.add_argument("--cooldown-s", type=float, default=600.0)
    p.add_argument("--load-s", type=float, default=60.0, help="GPU asked for to worker taking jobs")
    p.add_argument("--max-replicas", type=int, default=24)
    p.add_argument("--partitions", type=int, default=48)
    p.add_argument("--duration-s", type=float, default=1800.0, help="measured time, after the warm-up")
    p.add_argument("--warmup-s", type=float, default=600.0)
    p.add_argument("--seed", type=int, default=1)
    # scaleout: the queueing part against bench scaleout (closed loop, fixed workers on shared cores)
    p.add_argument("--job-s", type=float, help="scaleout: one job's time on one worker alone (1 / jobs/s of 1 worker)")
    p.add_argument("--workers", default="1,2,3")
    p.add_argument("--cores", type=float, help="scaleout: devices the workers share (CPU cores); none: one each")
    p.add_argument("--queue-depth", type=int, default=12)
    p.add_argument("--scaleout-partitions", type=int, default=8)
    a = p.parse_args(argv)

    gpu = Gpu(peak_tflops=a.peak_tflops, efficiency=a.efficiency, overhead_s=a.overhead_ms / 1000)
    if a.count_flops:
        counted = decoder_gflop(a.count_flops)
        gpu = replace(gpu, base_gflop=counted["base"], upsampler_gflop=counted["upsampler"],
                      encoder_gflop=counted["base_encoder"])
    steps_list = [Steps.parse(s) for s in a.steps] or [Steps()]
    header = {"bench": "fleet_sim", "mode": a.mode, "seed": a.seed, "peak_tflops": gpu.peak_tflops,
              "efficiency": gpu.efficiency, "overhead_ms": a.overhead_ms, "base_gflop": gpu.base_gflop,
              "upsampler_gflop": gpu.upsampler_gflop, "encoder_gflop": gpu.encoder_gflop, "batch": a.batch,
              "polling_s": a.polling_s, "cooldown_s": a.cooldown_s, "load_s": a.load_s,
              "duration_s": a.duration_s, "warmup_s": a.warmup_s}

    if a.mode == "scaleout":
        if a.job_s is None:
            p.error("scaleout needs --job-s")
        rows = []
        print(f"closed loop: queue depth {a.queue_depth}, {a.scaleout_partitions} partitions, one job at a time per "
              f"worker, {a.job_s:.3f} s per job alone, cores {a.cores or 'one per worker'}")
        print(f"{'workers':>7} {'jobs/s':>8} {'mean queue s':>12} {'p99 queue s':>11}")
        for n in [int(x) for x in a.workers.split(",")]:
            lane = Lane(name=f"{n}-workers", rate=0.0, job_s=a.job_s, steps=1, overhead_s=0.0, batch=1,
                        partitions=a.scaleout_partitions, min_replicas=n, max_replicas=n, autoscale=False,
                        cores=a.cores, closed_depth=a.queue_depth)
            r = simulate(lane, seed=a.seed, duration_s=a.duration_s, warmup_s=a.warmup_s)
            rows.append({"workers": n, "jobs_per_s": r.throughput, "queue_mean_s": r.queue_mean_s,
                         "queue_p99_s": r.queue_p99_s})
            print(f"{n:7d} {r.throughput:8.3f} {r.queue_mean_s:12.2f} {r.queue_p99_s:11.2f}")
        print(json.dumps({**header, "job_s": a.job_s, "cores": a.cores, "queue_depth": a.queue_depth,
                          "partitions": a.scaleout_partitions, "rows": rounded(rows)}))
        return 0

    if a.mode == "sizing":
        mix = {k: float(v) for k, v in (item.split("=") for item in a.mix.split(","))}
        rows = []
        for steps in steps_list:
            for total in [float(t) for t in a.totals.split(",")]:
                rows += run_lanes({m: total * share for m, share in mix.items()}, steps, gpu, a, size=True)
        print_table(rows)
        print(json.dumps({**header, "mix": mix, "rows": rounded(rows)}))
        return 0

    rates = {k: float(v) for k, v in (item.split("=") for item in a.rate)} or {"demo-mask": 7.0, "demo-sketch": 3.0}
    rows = []
    for steps in steps_list:
        rows += run_lanes(rates, steps, gpu, a, size=False)
    print_table(rows)
    print(json.dumps({**header, "rows": rounded(rows)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
