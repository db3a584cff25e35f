"""Make the display board's call-out audio: pwa/audio/id/<part>.mp3 for every part an Indonesian call-out can have
(api.queue.callout.vocabulary: "nomor antrean", "silakan ke loket", the letters, the number words) and
pwa/audio/chime.mp3, the two-note chime before each call.

The board speaks offline from these files when the device has no Indonesian speech-synthesis voice (most TVs and
many Android sticks have none), playing the parts one after another. They are made once and committed; run this
again only when the vocabulary or the voice changes:

    apt-get install -y espeak-ng sox lame
    .venv/bin/python scripts/make_callout_audio.py

espeak-ng's Indonesian voice (``id``) says the words; sox trims the silence around each word, adds a short pause,
resamples to 16 kHz mono and evens out the loudness; lame encodes MP3 (24 kbit/s, which every browser and TV
plays). The total stays well under 1 MB (the script prints it).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.queue.callout import audio_name, vocabulary

AUDIO = Path(__file__).resolve().parent.parent / "pwa" / "audio"
# espeak-ng reads "loket" with a schwa; the word is said lokét. Phonemes in [[…]] say it as people do.
SAY = {"silakan ke loket": "silakan ke [[l'okEt]]"}
# Words per minute: a little slower than espeak's 175, for a large hall with an echo.
SPEED = "140"
# A pause after each part, so that the parts played one after another sound like one sentence, not a list.
GAP_SECONDS = "0.06"


def run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True)  # noqa: S603 (our own fixed tools and arguments)


def encode(wav: Path, target: Path, work: Path) -> None:
    clean = work / f"{target.stem}-clean.wav"
    # Trim silence at both ends (reverse, trim, reverse), leave a short gap, 16 kHz mono, normalise to -1 dBFS.
    run(
        "sox", str(wav), "-r", "16000", "-c", "1", str(clean),
        "silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%", "reverse",
        "pad", "0", GAP_SECONDS, "norm", "-1",
    )  # fmt: skip
    run("lame", "--quiet", "-m", "m", "-b", "24", "--resample", "16", str(clean), str(target))


def make_word(part: str, work: Path) -> None:
    wav = work / f"{audio_name(part)}.wav"
    run("espeak-ng", "-v", "id", "-s", SPEED, "-w", str(wav), SAY.get(part, part))
    encode(wav, AUDIO / "id" / f"{audio_name(part)}.mp3", work)


def make_chime(work: Path) -> None:
    """Two notes (E5 then C5, the "ding-dong" of public address systems), softly fading."""
    wav = work / "chime.wav"
    run(
        "sox", "-n", "-r", "16000", "-c", "1", str(wav),
        "synth", "0.55", "sine", "659.25", "sine", "1318.5", "remix", "-", "fade", "q", "0.01", "0.55", "0.45",
        ":", "synth", "0.9", "sine", "523.25", "sine", "1046.5", "remix", "-", "fade", "q", "0.01", "0.9", "0.8",
        "norm", "-3",
    )  # fmt: skip
    run("lame", "--quiet", "-m", "m", "-b", "32", "--resample", "16", str(wav), str(AUDIO / "chime.mp3"))


def main() -> None:
    missing = [tool for tool in ("espeak-ng", "sox", "lame") if shutil.which(tool) is None]
    if missing:
        sys.exit(f"missing: {', '.join(missing)} (apt-get install -y espeak-ng sox lame)")
    (AUDIO / "id").mkdir(parents=True, exist_ok=True)
    for old in (AUDIO / "id").glob("*.mp3"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for part in vocabulary():
            make_word(part, work)
        make_chime(work)
    files = [p for p in AUDIO.rglob("*.mp3")]
    total = sum(p.stat().st_size for p in files)
    print(f"{len(files)} files, {total:,} bytes in {AUDIO}")


if __name__ == "__main__":
    main()
