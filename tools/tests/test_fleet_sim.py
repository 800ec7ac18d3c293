"""The fleet simulator against queueing theory, the KEDA rules it models, and the FLOPs it starts from."""
import json
import math

import pytest

from piti_tools import fleet_sim
from piti_tools.fleet_sim import Gpu, Lane, Steps, simulate


def fixed(**settings) -> Lane:
    """A lane with a fixed number of workers, one job at a time each, no per-iteration overhead."""
    base = dict(name="t", job_s=1.0, steps=1, overhead_s=0.0, batch=1, autoscale=False)
    return Lane(**{**base, **settings})


def test_one_worker_per_partition_set_waits_like_m_d_1_within_5_percent():
    # Two workers, four partitions, no work stealing: each worker sees a Poisson stream of half the
    # jobs and serves them one by one in 1 s, i.e. two independent M/D/1 queues at rho = 0.7:
    # W_q = rho S / (2 (1 - rho)).
    rho = 0.7
    r = simulate(fixed(rate=2 * rho, partitions=4, min_replicas=2, max_replicas=2), seed=3,
                 duration_s=80_000, warmup_s=1_000)
    expected = rho * 1.0 / (2 * (1 - rho))
    assert r.jobs > 100_000
    assert r.queue_mean_s == pytest.approx(expected, rel=0.05)
    assert r.gpu_busy == pytest.approx(rho, rel=0.02)


def test_exponential_jobs_on_one_worker_wait_like_m_m_1_mean_and_p99():
    # M/M/1 with mu = 1, lambda = 0.8: W_q mean = rho / (mu - lambda) = 4 s and
    # P(W_q > t) = rho exp(-(mu - lambda) t), so the p99 is ln(rho / 0.01) / (mu - lambda) = 21.9 s.
    lam = 0.8
    r = simulate(fixed(rate=lam, partitions=1, min_replicas=1, max_replicas=1, service="exponential"), seed=5,
                 duration_s=300_000, warmup_s=2_000)
    assert r.queue_mean_s == pytest.approx(lam / (1 - lam), rel=0.08)
    assert r.queue_p99_s == pytest.approx(math.log(lam / 0.01) / (1 - lam), rel=0.10)
    assert r.queue_p50_s == pytest.approx(math.log(lam / 0.5) / (1 - lam), rel=0.15)


def test_a_full_continuous_batch_runs_at_the_batched_rate():
    # Closed loop with more jobs than slots: the worker always runs a batch of 8, each iteration
    # takes overhead + 8 w, a job needs 60 iterations: throughput 8 / (60 (o + 8 w)).
    steps, job_s, overhead, batch = 60, 0.12, 0.004, 8
    lane = Lane(name="b", rate=0.0, job_s=job_s, steps=steps, overhead_s=overhead, batch=batch, partitions=4,
                min_replicas=1, max_replicas=1, autoscale=False, closed_depth=20)
    r = simulate(lane, seed=1, duration_s=2_000, warmup_s=100)
    expected = batch / (steps * (overhead + batch * job_s / steps))
    assert r.throughput == pytest.approx(expected, rel=0.01)
    assert r.gpu_busy == pytest.approx(1.0, abs=1e-6)


def test_workers_sharing_cores_split_them_and_one_worker_alone_does_one_job_per_job_time():
    one = simulate(Lane(name="1", rate=0.0, job_s=2.5, steps=1, overhead_s=0.0, batch=1, partitions=8,
                        min_replicas=1, max_replicas=1, autoscale=False, closed_depth=12, cores=2),
                   duration_s=5_000, warmup_s=100)
    assert one.throughput == pytest.approx(1 / 2.5, rel=0.01)
    three = simulate(Lane(name="3", rate=0.0, job_s=2.5, steps=1, overhead_s=0.0, batch=1, partitions=8,
                          min_replicas=3, max_replicas=3, autoscale=False, closed_depth=24, cores=2),
                     duration_s=5_000, warmup_s=100)
    # Two cores are the ceiling however many workers share them.
    assert three.throughput <= 2 / 2.5 + 1e-9
    assert three.throughput > 1.5 / 2.5


def test_a_lone_job_on_a_lane_at_zero_waits_for_the_poll_and_the_model_load():
    lane = Lane(name="z", rate=1 / 7200, job_s=0.1, steps=60, polling_s=15, load_s=60, cooldown_s=600)
    r = simulate(lane, seed=2, duration_s=400_000, warmup_s=0)
    assert r.jobs > 20
    assert 60 <= r.queue_p50_s <= 75 + 1e-9
    assert r.queue_p99_s <= 75 + 1e-9
    # Each job holds a GPU for the load, the job and the cooldown (plus up to one poll), then the
    # lane is back at zero: about 660 to 680 GPU-seconds per job.
    assert 660 / 3600 * 1000 <= r.gpu_hours_per_1000 <= 690 / 3600 * 1000
    assert r.gpus_mean < 0.2


def test_keda_keeps_a_busy_lane_within_its_ceiling_and_stops_growing_the_queue():
    gpu = Gpu()
    lane = fleet_sim.lane_for("m", 100.0, Steps(50, 10), gpu, max_replicas=40, partitions=48)
    r = simulate(lane, seed=4, duration_s=1_800, warmup_s=1_800)
    work = 100.0 * lane.job_s
    assert r.gpus_max <= 40
    assert r.gpus_mean > work  # at least the GPU work itself
    assert r.throughput == pytest.approx(100.0, rel=0.03)
    assert r.queue_p99_s < 10
    assert r.backlog < 500  # under 5 s of arrivals waiting when the run ends


def test_the_same_seed_gives_the_same_fleet_and_another_seed_another():
    lane = fleet_sim.lane_for("m", 20.0, Steps(12, 8), Gpu())
    assert simulate(lane, seed=9, duration_s=600, warmup_s=300) == simulate(lane, seed=9, duration_s=600, warmup_s=300)
    assert simulate(lane, seed=9, duration_s=600, warmup_s=300) != simulate(lane, seed=10, duration_s=600, warmup_s=300)


def test_job_gpu_time_follows_the_flops_guidance_and_the_efficiency():
    gpu = Gpu(efficiency=0.5)
    gflop = 50 * 2 * 230.4 + 10 * 1272.0 + 2 * 18.3
    assert gpu.job_seconds(Steps(50, 10)) == pytest.approx(gflop / (989.0 * 1000 * 0.5), rel=1e-9)
    assert Gpu(efficiency=0.25).job_seconds(Steps(50, 10)) == pytest.approx(2 * gpu.job_seconds(Steps(50, 10)))
    unguided = Steps(50, 10, guided=False)
    assert gpu.job_seconds(unguided) < gpu.job_seconds(Steps(50, 10))


def test_the_released_networks_count_230_and_1272_gflop_per_decoder_call():
    counted = fleet_sim.decoder_gflop("mask")
    assert counted["base"] == pytest.approx(fleet_sim.RELEASED_BASE_GFLOP, rel=0.005)
    assert counted["upsampler"] == pytest.approx(fleet_sim.RELEASED_UPSAMPLER_GFLOP, rel=0.005)
    assert counted["base_encoder"] == pytest.approx(fleet_sim.RELEASED_ENCODER_GFLOP, rel=0.005)
    # A sketch differs only in its input's channels: the decoders cost the same.
    sketch = fleet_sim.decoder_gflop("sketch")
    assert sketch["base"] == pytest.approx(counted["base"], rel=1e-6)
    assert sketch["upsampler"] == pytest.approx(counted["upsampler"], rel=1e-6)


def test_the_command_prints_a_table_and_a_last_json_line(capsys):
    assert fleet_sim.main(["--rate", "demo-mask=3", "--rate", "demo-sketch=1", "--steps", "12+8",
                           "--duration-s", "300", "--warmup-s", "300"]) == 0
    lines = capsys.readouterr().out.strip().split("\n")
    assert lines[0].split()[:3] == ["model", "steps", "jobs/s"]
    result = json.loads(lines[-1])
    assert [row["model"] for row in result["rows"]] == ["demo-mask", "demo-sketch"]
    assert {"queue_p50_s", "queue_p99_s", "gpus_mean", "gpu_hours_per_1000"} <= set(result["rows"][0])
