// tests for nn/src/serialize.cpp: exact round trips, readable files, mismatches that change nothing.
#include <catch2/catch.hpp>

#include <nn/nn.hpp>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

using namespace ag;
using namespace ag::nn;

namespace {
std::vector<std::vector<double>> values_of(const Module& m) {
  std::vector<std::vector<double>> out;
  for (const Tensor& p : m.parameters()) out.push_back(p.to_vector());
  return out;
}
}  // namespace

TEST_CASE("save then load gives back exactly the same numbers", "[serialize]") {
  Generator a(1), b(2);
  LSTM saved(3, 4, a, {.num_layers = 2});
  LSTM loaded(3, 4, b, {.num_layers = 2});
  REQUIRE(values_of(saved) != values_of(loaded));
  const std::string path = "nn_serialize_test_params.json";
  save_parameters(saved, path);
  load_parameters(loaded, path);
  CHECK(values_of(saved) == values_of(loaded));

  // The file is readable JSON with names and shapes.
  std::ifstream in(path);
  auto doc = nlohmann::json::parse(in);
  CHECK(doc.at("format") == "tapegrad-parameters");
  CHECK(doc.at("parameters")[0].at("name") == "lstm.layer0.W_ih");
  CHECK(doc.at("parameters")[0].at("shape") == nlohmann::json::array({16, 3}));
  std::remove(path.c_str());
}

TEST_CASE("loading a file with other names or shapes names the first mismatch", "[serialize]") {
  Generator gen(3);
  Linear source(2, 3, gen);
  const std::string text = parameters_to_json(source);

  Linear renamed(2, 3, gen);
  renamed.set_name("fc");
  auto before = values_of(renamed);
  CHECK_THROWS_WITH(parameters_from_json(renamed, text),
                    "load_parameters: the module has parameter 'fc.weight' (shape [3, 2]) but the "
                    "JSON text does not");
  CHECK(values_of(renamed) == before);

  Linear wider(2, 4, gen);
  before = values_of(wider);
  CHECK_THROWS_WITH(parameters_from_json(wider, text),
                    "load_parameters: parameter 'linear.weight' has shape [4, 2] in the module but "
                    "[3, 2] in the JSON text");
  CHECK_THROWS_AS(parameters_from_json(wider, text), ShapeError);
  CHECK(values_of(wider) == before);

  Linear no_bias(2, 3, false, gen);
  before = values_of(no_bias);
  CHECK_THROWS_WITH(parameters_from_json(no_bias, text),
                    "load_parameters: the JSON text has parameter 'linear.bias' but the module "
                    "does not");
  CHECK(values_of(no_bias) == before);
}

TEST_CASE("loading something that is not a parameter file is a clear error", "[serialize]") {
  Generator gen(0);
  Linear lin(2, 3, gen);
  CHECK_THROWS_AS(parameters_from_json(lin, "{not json"), ValueError);
  CHECK_THROWS_AS(parameters_from_json(lin, R"({"format": "other"})"), ValueError);
  CHECK_THROWS_AS(load_parameters(lin, "/nonexistent/params.json"), ValueError);
  CHECK_THROWS_AS(
      parameters_from_json(lin, R"({"format": "tapegrad-parameters", "parameters": [
          {"name": "linear.weight", "shape": [3, 2], "values": [1, 2]}]})"),
      ShapeError);
}
