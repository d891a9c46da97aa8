"""The feel model (issue: the feel must be a distribution): binned heads, free bits, the feel
and guesser training stages, --genre auto, and, on the bundled weights, transfer and takes."""

from __future__ import annotations

import mido
import numpy as np
import pytest
import torch
from conftest import FIXTURE_GMD, REPO, hits_track, midi_file, save, track

from groovecli.errors import GrooveError
from groovecli.generate.genres import resolve_genre
from groovecli.generate.humanize import HumanizeOptions, humanize
from groovecli.generate.sample import sample
from groovecli.generate.transfer import transfer
from groovecli.grid.drumgrid import offsets_ms, quantize
from groovecli.midi.read import read_midi
from groovecli.nn import feel_head
from groovecli.nn.pocketvae import _free_bits_kl, sketch_scores
from groovecli.runtime.load import load_networks
from groovecli.weights import bundled_dir, load_model

# --- the binned heads ---------------------------------------------------------------------------


def test_bins_round_trip_and_the_range_edges():
    v = torch.tensor([0.0, 0.01, 0.5, 0.999, 1.0])
    assert feel_head.bin_index(v, "velocity", 32).tolist() == [0, 0, 16, 31, 31]
    o = torch.tensor([-1.0, -0.001, 0.0, 0.999])
    assert feel_head.bin_index(o, "offset", 32).tolist() == [0, 15, 16, 31]
    # a value drawn from a head sure of one bin lands inside that bin
    logits = torch.full((1000, 32), -1e4)
    logits[:, 7] = 0
    drawn = feel_head.sample(logits, "offset", generator=torch.Generator().manual_seed(0))
    assert (feel_head.bin_index(drawn, "offset", 32) == 7).all()
    assert drawn.min() >= -1 + 7 * 2 / 32 and drawn.max() <= -1 + 8 * 2 / 32
    assert feel_head.expected(logits[:1], "offset").item() == pytest.approx(-1 + 7.5 * 2 / 32)


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0])
def test_sampling_follows_softmax_over_temperature_and_repeats_under_a_seed(temperature):
    logits = torch.tensor([2.0, 0.0, -1.0, 1.0])
    draws = feel_head.sample(logits.expand(40_000, -1), "velocity", temperature, torch.Generator().manual_seed(1))
    counts = torch.bincount(feel_head.bin_index(draws, "velocity", 4), minlength=4).float() / 40_000
    torch.testing.assert_close(counts, (logits / temperature).softmax(-1), atol=0.01, rtol=0)
    again = feel_head.sample(logits.expand(40_000, -1), "velocity", temperature, torch.Generator().manual_seed(1))
    assert torch.equal(draws, again)


def test_nll_counts_only_the_notes():
    logits = torch.zeros(2, 3, 4, 8)  # uniform over 8 bins: log 8 nats per counted cell
    values = torch.rand(2, 3, 4)
    mask = torch.zeros(2, 3, 4)
    mask[0, 0, 0] = mask[1, 2, 3] = mask[1, 1, 1] = 1
    assert feel_head.nll(logits, values, mask, "velocity").item() == pytest.approx(3 * np.log(8) / 2)


def test_free_bits_floor_each_dimension():
    mu, logvar = torch.zeros(5, 4), torch.zeros(5, 4)
    penalised, true = _free_bits_kl(mu, logvar, 0.25)
    assert true.item() == pytest.approx(0) and penalised.item() == pytest.approx(1.0)
    mu[:, 0] = 2.0  # KL 2 nats in one dimension: counted as is; the other three at the floor
    penalised, true = _free_bits_kl(mu, logvar, 0.25)
    assert true.item() == pytest.approx(2.0) and penalised.item() == pytest.approx(2.75)


def test_sketch_scores_cut_or_add_the_template_window_by_window():
    gen = torch.Generator().manual_seed(0)
    notes = (torch.rand(600, 32, 9, generator=gen) < 0.4).float()
    template = (torch.rand(600, 32, 9, generator=gen) < 0.5).float()
    torch.manual_seed(0)
    score, scored = sketch_scores(notes, template, 0.0, 0.0)
    assert torch.equal(score, notes) and torch.equal(scored, notes)
    score, scored = sketch_scores(notes, template, 1.0, 0.0)
    assert torch.equal(score, notes * template) and torch.equal(scored, notes * template)
    score, scored = sketch_scores(notes, template, 0.0, 1.0)
    # the template's notes are read; only the drummer's are scored (they have a value to score)
    assert torch.equal(score, torch.maximum(notes, template)) and torch.equal(scored, notes)
    score, scored = sketch_scores(notes, template, 0.3, 0.3)
    same = lambda a, b: (a == b).flatten(1).all(1)  # noqa: E731
    cut = same(score, notes * template) & same(scored, score)
    union = same(score, torch.maximum(notes, template)) & same(scored, notes)
    whole = same(score, notes) & same(scored, notes)
    assert (cut | union | whole).all()  # each window is one of the three, whole
    for share in (cut, union, whole & ~cut & ~union):
        assert 0.2 < share.float().mean() < 0.45


# --- training stages ----------------------------------------------------------------------------


def test_feel_stage_trains_only_vel_and_time_and_keeps_the_prior(tiny_weights, tmp_path):
    from groovecli.lab.training_run import TrainRequest, run_training

    base = load_model(tiny_weights)
    req = TrainRequest(str(FIXTURE_GMD), str(tmp_path / "run"), kind="feel", epochs=1, batch_size=16, device="cpu",
                       weights=str(tiny_weights), cache_dir=str(tmp_path / "cache"))
    result = run_training(req)
    new = load_model(result.checkpoint)
    for part in ("skel", "note"):
        for k, v in getattr(base.model, part).state_dict().items():
            assert torch.equal(v, getattr(new.model, part).state_dict()[k]), f"{part}.{k} moved"
    for k, v in base.prior.state_dict().items():
        assert torch.equal(v, new.prior.state_dict()[k])
    moved = [not torch.equal(v, new.model.vel.state_dict()[k]) for k, v in base.model.vel.state_dict().items()]
    assert any(moved)
    assert "velocity_nll" in result.metrics and result.metrics["velocity_nll"] > 0


def test_feel_stage_records_its_sketch_share(tiny_weights, tmp_path):
    from groovecli.lab.training_run import TrainRequest, run_training

    req = TrainRequest(str(FIXTURE_GMD), str(tmp_path / "run"), kind="feel", epochs=1, batch_size=16, device="cpu",
                       weights=str(tiny_weights), cache_dir=str(tmp_path / "cache"), sketch_notes=0.5,
                       sketch_union=0.25)
    run_training(req)
    last = torch.load(tmp_path / "run" / "last.pt", weights_only=True)
    assert last["train_config"]["sketch_notes"] == 0.5 and last["train_config"]["sketch_union"] == 0.25


def test_feel_stage_needs_base_weights(tmp_path):
    from groovecli.lab.training_run import TrainRequest, run_training

    with pytest.raises(GrooveError, match="--model feel needs --weights"):
        run_training(TrainRequest(str(FIXTURE_GMD), str(tmp_path / "run"), kind="feel", epochs=1, device="cpu",
                                  cache_dir=str(tmp_path / "cache")))


def test_guesser_stage_adds_a_guesser_and_keeps_the_rest(tiny_weights, tmp_path):
    from groovecli.lab.training_run import TrainRequest, run_training

    req = TrainRequest(str(FIXTURE_GMD), str(tmp_path / "run"), kind="guesser", epochs=2, batch_size=16, device="cpu",
                       weights=str(tiny_weights), cache_dir=str(tmp_path / "cache"))
    result = run_training(req)
    new, base = load_model(result.checkpoint), load_model(tiny_weights)
    assert new.guesser is not None and "guesser_val_window_accuracy" in result.metrics
    for k, v in base.model.state_dict().items():
        assert torch.equal(v, new.model.state_dict()[k])


# --- --genre auto and genre names ---------------------------------------------------------------


def test_genre_names_auto_and_merged(tiny, rock_template):
    grid = quantize(read_midi(rock_template))
    name, note = resolve_genre(tiny, "auto", grid, 120.0)
    # a stiff rock beat is common to many genres: the guess is said, or said to be unsure
    assert name in tiny.config.genres and (note.startswith(f"guessed {name} (")
                                           or note.startswith(f"unsure of the genre (best guess {name},"))
    assert resolve_genre(tiny, "Hip-Hop", grid) == ("hiphop", None)
    assert resolve_genre(tiny, "highlife", grid) == ("afrobeat", "highlife was merged into afrobeat in training; playing afrobeat")
    assert resolve_genre(tiny, "gospel", grid)[0] == "soul" and resolve_genre(tiny, "blues", grid)[0] == "jazz"
    name, note = resolve_genre(tiny, "middleeastern", grid)
    assert name in tiny.config.genres and "no training data of its own" in note and "guess" in note
    with pytest.raises(GrooveError, match="unknown genre 'polka'; the model knows: auto, rock"):
        resolve_genre(tiny, "polka", grid)
    with pytest.raises(GrooveError, match="sample has no sketch"):
        sample(tiny, genre="auto", seed=0)


def test_auto_is_the_default_and_is_reported(tiny, rock_template):
    result = humanize(rock_template, tiny, seed=0)
    assert result.report["genre"] in tiny.config.genres
    note, name = result.report["genre_note"], result.report["genre"]
    assert note.startswith(f"guessed {name} (") or note.startswith(f"unsure of the genre (best guess {name},")
    named = humanize(rock_template, tiny, seed=0, genre="funk")
    assert named.report["genre"] == "funk" and "genre_note" not in named.report


def test_weights_without_a_guesser_need_a_named_genre(tmp_path, rock_template, monkeypatch):
    from conftest import tiny_config

    from groovecli.generate import genres

    monkeypatch.setattr(genres, "bundled_guesser", lambda: None)  # no guesser beside the weights either

    from groovecli.nn.pocketvae import GrooveModel
    from groovecli.weights import checkpoint_dict

    path = tmp_path / "noguess.pt"
    cfg = tiny_config()
    torch.save(checkpoint_dict(cfg, {"model": GrooveModel(cfg).state_dict()}, {}), path)
    loaded = load_networks(path)
    with pytest.raises(GrooveError, match="cannot guess a genre; name one with --genre"):
        humanize(rock_template, loaded, notes="keep", seed=0)
    assert humanize(rock_template, loaded, notes="keep", seed=0, genre="rock").report["genre"] == "rock"


# --- the bundled weights: transfer follows the reference, takes differ -------------------------

needs_weights = pytest.mark.skipif(bundled_dir() is None, reason="no weights bundled in this checkout")
STEP = 120  # ticks of a 16th at 480 per beat
BARS = 4


def _song(path, hits):
    tempo = [mido.MetaMessage("set_tempo", tempo=500000), mido.MetaMessage("time_signature", numerator=4, denominator=4)]
    return save(midi_file(track(name="tempo"), hits_track(hits, 60), meta=tempo), path)


def _rock(shift_ticks: int = 0, hat_velocity=lambda k: 100, kick_snare_velocity: int = 100):
    hits = []
    for bar in range(BARS):
        base = bar * 16 * STEP
        hits += [(base + k * STEP + shift_ticks, 42, hat_velocity(k)) for k in range(0, 16, 2)]
        hits += [(base + k * STEP + shift_ticks, 38, kick_snare_velocity) for k in (4, 12)]
        hits += [(base + k * STEP + shift_ticks, 36, kick_snare_velocity) for k in (0, 8, 10)]
    return hits


@pytest.fixture(scope="module")
def bundled():
    return load_networks()


@needs_weights
def test_transfer_carries_a_late_reference(bundled, tmp_path):
    template = _song(tmp_path / "template.mid", _rock())
    reference = _song(tmp_path / "late.mid", _rock(shift_ticks=29, hat_velocity=lambda k: 80 if k % 4 else 110))
    late = 29 / STEP * 125  # 29 ticks at 120 bpm: 30.2 ms
    out = transfer(template, reference, bundled, HumanizeOptions(notes="keep", seed=0, genre="rock"))
    ms = offsets_ms(read_midi(template), out.after)[out.after.hits > 0.5]
    assert ms.mean() > late - 12 and (ms > 0).mean() > 0.85, (ms.mean(), (ms > 0).mean())
    on_grid = _song(tmp_path / "on.mid", _rock(hat_velocity=lambda k: 80 if k % 4 else 110))
    base = transfer(template, on_grid, bundled, HumanizeOptions(notes="keep", seed=0, genre="rock"))
    assert ms.mean() - offsets_ms(read_midi(template), base.after)[base.after.hits > 0.5].mean() > 15


@needs_weights
def test_transfer_carries_a_loud_soft_hat_contour(bundled, tmp_path):
    template = _song(tmp_path / "template.mid", _rock())
    reference = _song(tmp_path / "contour.mid", _rock(hat_velocity=lambda k: 120 if k % 4 == 0 else 45))
    out = transfer(template, reference, bundled, HumanizeOptions(notes="keep", seed=0, genre="rock")).after
    hat = out.velocity[:, 2] * 127
    on_beat = hat[np.arange(out.steps) % 4 == 0]
    off_beat = hat[np.arange(out.steps) % 4 == 2]
    assert on_beat.mean() - off_beat.mean() > 30, (on_beat.mean(), off_beat.mean())


@needs_weights
def test_two_seeds_give_different_keep_takes_and_one_seed_the_same(bundled):
    example = REPO / "examples" / "rock.mid"
    a, b, again = (humanize(example, bundled, notes="keep", genre="rock", seed=s).after for s in (1, 2, 1))
    hit = a.hits > 0.5
    assert np.abs(a.velocity - b.velocity)[hit].mean() * 127 > 4
    assert np.abs(a.offset - b.offset)[hit].mean() > 0.03
    np.testing.assert_array_equal(a.velocity, again.velocity)
    np.testing.assert_array_equal(a.offset, again.offset)


# --- transfer's profile step ------------------------------------------------------------------


def test_profile_and_follow_recentre_each_cell_on_the_reference():
    from groovecli.grid.feel_profile import SHRINK_HITS, follow, profile_of

    steps = 64  # 4 bars
    hits = np.zeros((steps, 9), np.float32)
    hits[0::4, 2] = 1  # hi-hat on every beat
    hits[0::16, 0] = 1  # kick on beat 1
    rng = np.random.default_rng(0)
    model = (rng.normal(0, 4, hits.shape) + 2) * hits  # model: 2 ms late, SD 4
    ref_hits = hits.copy()
    ref_hits[0::16, 0] = 0  # the reference plays no kick
    ref = np.where(np.arange(steps)[:, None] % 8 == 0, 10.0, -20.0) * ref_hits  # beats 1, 3 late; 2, 4 early
    ref[ref_hits > 0] += rng.normal(0, 1, int(ref_hits.sum()))  # SD 1: a tighter drummer
    prof = profile_of(ref_hits, ref)
    assert np.isnan(prof.cell_mean[0, 0]) and np.isnan(prof.drum_mean[0]) and prof.cell_mean[4, 2] < -15
    out = follow(model, hits, prof, -np.inf, np.inf)
    for cell in (0, 4, 8, 12):  # each beat's hi-hats now average where the reference's did, pulled a
        n = prof.cell_hits[cell, 2]  # little (4 hits each: by 1/9) towards the reference's hi-hat mean
        centre = (n * prof.cell_mean[cell, 2] + SHRINK_HITS * prof.drum_mean[2]) / (n + SHRINK_HITS)
        assert out[cell::16, 2].mean() == pytest.approx(centre)
        assert abs(out[cell::16, 2].mean() - prof.cell_mean[cell, 2]) < 2.5
    assert prof.drum_sd[2] < 2  # the reference is tight around each beat's own mean; the output too:
    assert out[0::16, 2].std() == pytest.approx(model[0::16, 2].std() * prof.drum_sd[2] / profile_of(hits, model).drum_sd[2])
    np.testing.assert_array_equal(out[:, 0], model[:, 0])  # a drum the reference never plays keeps the model's
    assert (out[hits == 0] == 0).all()


def test_a_16th_the_reference_hit_once_is_pulled_towards_its_drum_mean():
    from groovecli.grid.feel_profile import SHRINK_HITS, follow, profile_of

    ref_hits = np.zeros((64, 9), np.float32)
    ref_hits[0::4, 1] = 1  # snare on every beat, 10 ms late...
    ref = 10.0 * ref_hits
    ref_hits[6, 1], ref[6, 1] = 1, -30.0  # ...and once, on the 16th before beat 3 of bar 1, 30 ms early
    prof = profile_of(ref_hits, ref)
    hits = np.zeros_like(ref_hits)
    hits[6::16, 1] = 1  # the template plays that 16th in every bar
    out = follow(np.zeros_like(ref), hits, prof, -np.inf, np.inf)
    w = 1 / (1 + SHRINK_HITS)
    assert out[6, 1] == pytest.approx(w * -30.0 + (1 - w) * prof.drum_mean[1])
    assert -30.0 < out[6, 1] < prof.drum_mean[1]
