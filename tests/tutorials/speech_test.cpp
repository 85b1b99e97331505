// speech_test.cpp — tutorials/common/speech.hpp: the spoken words and their features are the same
// on every run, the mel scale is the formula it cites, and WAV files round-trip.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numbers>

#include "common/speech.hpp"

namespace {

// A few voices of the tutorial's kinds: plain, Klatt (which draws noise from rand()), breathy.
std::vector<speech::Voice> some_voices() {
  return {{"m3", 175, 50}, {"f2", 140, 70}, {"klatt", 210, 30}, {"croak", 175, 50}};
}

}  // namespace

TEST_CASE("espeak-ng says the same samples every time", "[speech]") {
  const auto first = speech::speak(some_voices());
  REQUIRE(first.size() == 4 * 6);
  // Something else said in between (in-process espeak-ng would carry its state over): speak()
  // starts afresh each time, so the same voices give the same samples.
  (void)speech::speak({{"f4", 160, 40}});
  const auto again = speech::speak(some_voices());
  uint64_t all = 14695981039346656037ull;
  for (size_t i = 0; i < first.size(); ++i) {
    const auto& a = first[i].sound.samples;
    CHECK(first[i].sound.sample_rate == 22050);
    CHECK(first[i].label == static_cast<int>(i % 6));
    CHECK(a == again[i].sound.samples);
    CHECK(a.size() > 2000);  // at least ~0.1 s of sound per word
    all = (all ^ speech::hash_of(a)) * 1099511628211ull;
  }
  // The same across runs: Debian 12's espeak-ng 1.51 gave these samples when this test was
  // written. If an upgrade of espeak-ng changes it, the words sound (slightly) different, and the
  // pages of tutorial 12 need ./run pages.
  INFO("hash of the 24 utterances: 0x" << std::hex << all);
  CHECK(all == 0xce1c06cc0b12b803ull);
  CHECK_THROWS_WITH(speech::speak({{"no-such-voice", 175, 50}}),
                    Catch::Contains("no voice 'en+no-such-voice'"));
}

TEST_CASE("the features of a fixed seed are byte-identical when made twice", "[speech]") {
  const auto words = speech::speak(some_voices());
  auto features = [&] {
    ag::Generator gen(7);
    return speech::featurize(words, 2, {}, gen);
  };
  const speech::FeatureSet a = features(), b = features();
  REQUIRE(a.size() == 4 * 6 * 2);
  REQUIRE(a.values.size() == static_cast<size_t>(a.size() * speech::kBands * speech::kFrames));
  CHECK(speech::hash_of(a.values) == speech::hash_of(b.values));
  CHECK(a.labels == b.labels);
  // Another seed places and noises the words differently.
  ag::Generator other(8);
  const auto c = speech::featurize(words, 2, {}, other);
  CHECK(speech::hash_of(c.values) != speech::hash_of(a.values));
}

TEST_CASE("the mel scale is HTK's formula, and the bands cover 20-8000 Hz", "[speech]") {
  CHECK(speech::mel_of_hz(0.0) == 0.0);
  CHECK(speech::mel_of_hz(700.0) == Approx(2595.0 * std::log10(2.0)).epsilon(1e-12));
  CHECK(speech::mel_of_hz(1000.0) == Approx(1000.0).epsilon(1e-3));  // 1000 Hz is ~1000 mel
  for (double hz : {20.0, 440.0, 8000.0}) {
    CHECK(speech::hz_of_mel(speech::mel_of_hz(hz)) == Approx(hz).epsilon(1e-12));
  }
  speech::LogMel log_mel(16000);
  const auto& edges = log_mel.band_edges_hz();
  REQUIRE(edges.size() == speech::kBands + 2);
  CHECK(edges.front() == Approx(20.0));
  CHECK(edges.back() == Approx(8000.0));
  // Equal steps in mel are wider steps in Hz as the frequency rises.
  CHECK(edges[2] - edges[1] < edges[41] - edges[40]);
}

// FFTW picks SIMD codelets by the CPU it runs on (SSE2, AVX, AVX2, ...), and each adds in its
// own order; the plain C ones are the same code everywhere (speech.cpp, FFTW_NO_SIMD).
TEST_CASE("the FFT runs FFTW's plain codelets, the same on every CPU", "[speech]") {
  for (int rate : {16000, 22050}) {
    speech::LogMel log_mel(rate);
    const std::string plan = log_mel.fft_plan();
    INFO(plan);
    CHECK(plan.find("r2cf_") != std::string::npos);  // a plain codelet is there...
    for (const char* simd : {"sse", "avx", "simd", "kcvi", "neon", "altivec", "vsx"}) {
      CHECK(plan.find(simd) == std::string::npos);  // ...and no SIMD one
    }
  }
}

TEST_CASE("a pure tone lights the band whose triangle peaks at its frequency", "[speech]") {
  const int rate = 16000;
  speech::LogMel log_mel(rate);
  const int band = 25;
  const double hz = log_mel.band_edges_hz()[band + 1];  // band 25's centre
  std::vector<double> clip(static_cast<size_t>(speech::clip_length(rate)));
  for (size_t i = 0; i < clip.size(); ++i)
    clip[i] = 0.5 * std::sin(2 * std::numbers::pi * hz * static_cast<double>(i) / rate);
  const std::vector<double> f = log_mel(clip);
  for (int t : {0, 40, 79}) {
    int loudest = 0;
    for (int b = 1; b < speech::kBands; ++b) {
      if (f[b * speech::kFrames + t] > f[loudest * speech::kFrames + t]) loudest = b;
    }
    CHECK(loudest == band);
  }
  CHECK_THROWS_WITH(log_mel(std::vector<double>(100)),
                    Catch::Contains("a clip of 100 samples") && Catch::Contains("16000 Hz"));
}

TEST_CASE("a word folder of 16-bit mono WAV files reads back what was written", "[speech]") {
  const auto dir = std::filesystem::temp_directory_path() / "tapegrad_speech_test_words";
  std::filesystem::remove_all(dir);
  const auto said = speech::speak({{"m3", 175, 50}});
  const speech::Sound& yes = said[0].sound;
  const speech::Sound& down = said[3].sound;
  std::filesystem::create_directories(dir / "yes");
  std::filesystem::create_directories(dir / "down");
  std::filesystem::create_directories(dir / "maybe");  // not one of the six words: skipped
  speech::write_wav(dir / "yes" / "a.wav", yes);
  speech::write_wav(dir / "down" / "b.wav", down);
  speech::write_wav(dir / "maybe" / "c.wav", down);
  std::ofstream(dir / "yes" / "notes.txt") << "not a sound";  // not .wav: skipped

  const auto words = speech::read_word_folder(dir);
  REQUIRE(words.size() == 2);
  CHECK(words[0].label == speech::label_of("down"));  // sorted by path: down/ before yes/
  CHECK(words[0].sound.samples == down.samples);
  CHECK(words[1].label == speech::label_of("yes"));
  CHECK(words[1].sound.samples == yes.samples);
  CHECK(words[1].sound.sample_rate == 22050);

  // A stereo file is refused, with the file's name and what it holds.
  {
    std::ofstream f(dir / "yes" / "stereo.wav", std::ios::binary);
    const unsigned char header[] = {'R',  'I',  'F', 'F', 40,   0,    0, 0, 'W', 'A', 'V', 'E',
                                    'f',  'm',  't', ' ', 16,   0,    0, 0, 1,   0,   2,   0,
                                    0x44, 0xac, 0,   0,   0x10, 0xb1, 2, 0, 4,   0,   16,  0,
                                    'd',  'a',  't', 'a', 4,    0,    0, 0, 1,   0,   2,   0};
    f.write(reinterpret_cast<const char*>(header), sizeof header);
  }
  CHECK_THROWS_WITH(speech::read_word_folder(dir),
                    Catch::Contains("stereo.wav") && Catch::Contains("2 channels"));
  CHECK_THROWS_WITH(speech::read_wav(dir / "yes" / "notes.txt"),
                    Catch::Contains("not a RIFF/WAVE file"));
  std::filesystem::remove_all(dir);
}
