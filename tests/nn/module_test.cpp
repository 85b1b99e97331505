// tests for nn/src/module.cpp: parameter and buffer names and order, children, zero_grad, scopes,
// Sequential.
#include <catch2/catch.hpp>

#include <nn/nn.hpp>

#include <sstream>

using namespace ag;
using namespace ag::nn;

namespace {
std::shared_ptr<Sequential> make_mlp(Generator& gen) {
  return std::make_shared<Sequential>("mlp", std::initializer_list<std::shared_ptr<UnaryModule>>{
                                                 std::make_shared<Linear>(2, 3, gen),
                                                 std::make_shared<ReLU>(),
                                                 std::make_shared<Linear>(3, 1, gen)});
}
}  // namespace

TEST_CASE("parameters have dotted names in a stable order", "[module]") {
  Generator gen(0);
  auto mlp = make_mlp(gen);
  std::vector<std::string> names;
  for (const auto& p : mlp->named_parameters()) names.push_back(p.name);
  CHECK(names ==
        std::vector<std::string>{"mlp.0.weight", "mlp.0.bias", "mlp.2.weight", "mlp.2.bias"});
  // The tensors carry their names, so the tape and graph dumps show them.
  CHECK(mlp->parameters()[2].name() == "mlp.2.weight");
  CHECK(mlp->num_parameters() == 2 * 3 + 3 + 3 * 1 + 1);
  for (const Tensor& p : mlp->parameters()) {
    CHECK(p.requires_grad());
    CHECK(p.is_leaf());
  }
  CHECK(mlp->children().size() == 3);
  CHECK((*mlp)[1].name() == "1");
  CHECK((*mlp)[2].path() == "mlp.2");
}

TEST_CASE("LSTM parameters are named lstm.layer0.W_ih and so on", "[module]") {
  Generator gen(0);
  LSTM lstm(3, 4, gen, {.num_layers = 2});
  std::vector<std::string> names;
  for (const auto& p : lstm.named_parameters()) names.push_back(p.name);
  CHECK(names == std::vector<std::string>{"lstm.layer0.W_ih", "lstm.layer0.W_hh",
                                          "lstm.layer0.b_ih", "lstm.layer0.b_hh",
                                          "lstm.layer1.W_ih", "lstm.layer1.W_hh",
                                          "lstm.layer1.b_ih", "lstm.layer1.b_hh"});
  lstm.set_name("encoder");
  CHECK(lstm.parameters()[0].name() == "encoder.layer0.W_ih");
  CHECK(lstm.layer(1).path() == "encoder.layer1");
}

TEST_CASE("a module added to a parent takes the parent's prefix", "[module]") {
  Generator gen(0);
  auto inner = std::make_shared<Sequential>("inner");
  inner->add(std::make_shared<Linear>(2, 2, gen));
  Sequential outer("outer");
  outer.add(std::make_shared<Linear>(2, 2, gen)).add(inner);
  std::vector<std::string> names;
  for (const auto& p : outer.named_parameters()) names.push_back(p.name);
  CHECK(names == std::vector<std::string>{"outer.0.weight", "outer.0.bias", "outer.1.0.weight",
                                          "outer.1.0.bias"});
}

TEST_CASE("zero_grad clears every parameter's accumulated gradient", "[module]") {
  Generator gen(0);
  auto mlp = make_mlp(gen);
  for (int pass = 0; pass < 2; ++pass) {
    Tape tape;
    sum(mlp->forward(ag::ones({4, 2}))).backward();
  }
  for (const Tensor& p : mlp->parameters()) CHECK(p.has_grad());
  mlp->zero_grad();
  for (const Tensor& p : mlp->parameters()) CHECK_FALSE(p.has_grad());
}

TEST_CASE("gradients accumulate across tapes until zero_grad", "[module]") {
  Generator gen(1);
  Linear lin(2, 1, gen);
  const Tensor x({1.0, 2.0}, {1, 2});
  for (int pass = 0; pass < 2; ++pass) {
    Tape tape;
    sum(lin(x)).backward();
  }
  // d sum(x W^T + b) / d W = x, twice
  CHECK(lin.weight.grad().to_vector() == std::vector<double>{2.0, 4.0});
  CHECK(lin.bias.grad().item() == 2.0);
}

TEST_CASE("each module's forward runs in its own scope", "[module]") {
  Generator gen(0);
  auto mlp = make_mlp(gen);
  Tape tape;
  Tensor y = mlp->forward(ag::ones({4, 2}));
  std::vector<std::string> scope_of_ops;
  for (const Node& n : tape.nodes()) {
    if (std::string(n.op) == "matmul" || std::string(n.op) == "relu") {
      scope_of_ops.push_back(std::string(n.op) + "@" + tape.scope_name(n.scope));
    }
  }
  CHECK(scope_of_ops == std::vector<std::string>{"matmul@mlp/0", "relu@mlp/1", "matmul@mlp/2"});
}

// Whether Sequential::add accepts a module of type M: only one whose forward maps one tensor to
// one tensor (a UnaryModule). An LSTM, whose forward returns (output, (h_n, c_n)), does not
// compile there.
template <class M>
constexpr bool sequential_takes = requires(Sequential& s, std::shared_ptr<M> m) {
  s.add(m);
};
static_assert(sequential_takes<Linear> && sequential_takes<ReLU> && sequential_takes<Sequential>);
static_assert(!sequential_takes<LSTM> && !sequential_takes<RNN> && !sequential_takes<LSTMCell> &&
              !sequential_takes<RNNCell>);

TEST_CASE("Sequential says which index or module is wrong", "[module]") {
  Sequential seq("seq");
  CHECK_THROWS_AS(seq[0], IndexError);
  CHECK_THROWS_AS(seq.add(nullptr), ValueError);
}

TEST_CASE("to_string prints the module tree like PyTorch", "[module]") {
  Generator gen(0);
  auto mlp = make_mlp(gen);
  CHECK(mlp->to_string() ==
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=true)\n"
        "  (1): ReLU()\n"
        "  (2): Linear(in_features=3, out_features=1, bias=true)\n"
        ")");
}

TEST_CASE("std::cout << module and fmt::print(\"{}\", module) print the same tree", "[module]") {
  Generator gen(0);
  auto mlp = make_mlp(gen);
  std::ostringstream streamed;
  streamed << *mlp;
  CHECK(streamed.str() == mlp->to_string());
  CHECK(fmt::format("{}", *mlp) == mlp->to_string());
  // A derived class as itself (fmt picks a formatter by the exact type), and nested inside a tree.
  Linear lin(2, 3, gen);
  CHECK(fmt::format("{}", lin) == "Linear(in_features=2, out_features=3, bias=true)");
  std::ostringstream one;
  one << lin;
  CHECK(one.str() == lin.to_string());
  Sequential outer("outer");
  outer.add(mlp).add(std::make_shared<LeakyReLU>(0.1));
  CHECK(fmt::format("{}", outer) ==
        "Sequential(\n"
        "  (0): Sequential(\n"
        "    (0): Linear(in_features=2, out_features=3, bias=true)\n"
        "    (1): ReLU()\n"
        "    (2): Linear(in_features=3, out_features=1, bias=true)\n"
        "  )\n"
        "  (1): LeakyReLU(negative_slope=0.1)\n"
        ")");
}

// ----- tied parameters ---------------------------------------------------------------------------
namespace {
// Sequential{lin, ReLU, lin}: one Linear used twice, so its weight and bias are tied.
std::shared_ptr<Sequential> make_tied(Generator& gen) {
  auto lin = std::make_shared<Linear>(2, 2, gen);
  return std::make_shared<Sequential>("tied", std::initializer_list<std::shared_ptr<UnaryModule>>{
                                                  lin, std::make_shared<ReLU>(), lin});
}
}  // namespace

TEST_CASE("a module used twice lists its parameters once, under its first name", "[module]") {
  Generator gen(0);
  auto tied = make_tied(gen);
  std::vector<std::string> names;
  for (const auto& p : tied->named_parameters()) names.push_back(p.name);
  CHECK(names == std::vector<std::string>{"tied.0.weight", "tied.0.bias"});  // as PyTorch
  CHECK(tied->parameters().size() == 2);
  CHECK(tied->num_parameters() == 2 * 2 + 2);
  CHECK((*tied)[2].path() == "tied.0");  // the second place does not rename it
  CHECK(tied->to_string() ==
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=2, bias=true)\n"
        "  (1): ReLU()\n"
        "  (2): Linear(in_features=2, out_features=2, bias=true)\n"
        ")");
}

TEST_CASE("a module cannot be added to itself or below itself", "[module][errors]") {
  Generator gen(0);
  auto seq = std::make_shared<Sequential>("seq");
  CHECK_THROWS_AS(seq->add(seq), ValueError);
  CHECK_THROWS_WITH(seq->add(seq), Catch::Contains("itself") && Catch::Contains("loop"));
  CHECK(seq->size() == 0);  // the refused add changed nothing

  // A loop through a child: outer -> inner, then inner -> outer.
  auto inner = std::make_shared<Sequential>("inner");
  auto outer = std::make_shared<Sequential>("outer");
  outer->add(inner);
  CHECK_THROWS_WITH(inner->add(outer), Catch::Contains("contains this module"));
  CHECK(inner->size() == 0);
  inner->add(std::make_shared<Linear>(2, 2, gen));
  CHECK(outer->parameters().size() == 2);
}

namespace {
// A module with one parameter and one buffer, to test register_buffer on its own.
struct Counter : Module {
  explicit Counter(Tensor buffer_value) : Module("counter"), count(std::move(buffer_value)) {
    scale = ag::ones({2});
    register_parameter("scale", scale);
    register_buffer("count", count);
  }
  Tensor scale, count;
};
}  // namespace

TEST_CASE("a buffer is named like a parameter, follows renames, and is not a parameter",
          "[module]") {
  Counter counter(ag::zeros({}));
  CHECK(counter.count.name() == "counter.count");
  CHECK_FALSE(counter.count.requires_grad());
  CHECK(counter.parameters().size() == 1);
  struct Parent : Module {
    explicit Parent(Module& child) : Module("parent") { register_module("c", child); }
  } parent(counter);
  CHECK(counter.count.name() == "parent.c.count");
  parent.set_name("model");
  std::vector<std::string> names;
  for (const auto& t : parent.state_dict()) names.push_back(t.name);
  CHECK(names == std::vector<std::string>{"model.c.scale", "model.c.count"});
  CHECK(parent.named_buffers().size() == 1);
}

TEST_CASE("a buffer must be a leaf without requires_grad", "[module][errors]") {
  CHECK_THROWS_WITH(Counter(ag::zeros({}, /*requires_grad=*/true)),
                    "counter: buffer 'count' must be a leaf without requires_grad (detach() it)");
  CHECK_THROWS_WITH(Counter(Tensor()), "counter: buffer 'count' is an empty Tensor handle");
}

// ----- a parameter is its member -----------------------------------------------------------------
TEST_CASE("a parameter member given a new tensor is the parameter from then on", "[module]") {
  // As PyTorch's `lin.weight = nn.Parameter(...)`: re-initialising by assignment, then making
  // the optimizer. The registry used to keep its own handle, so the optimizer and the saved file
  // kept the old tensor while the forward pass used the new one.
  Generator gen(1);
  Linear lin(2, 1, gen);
  const Tensor old_weight = lin.weight;
  lin.weight = ag::uniform({1, 2}, -1.0, 1.0, gen, /*requires_grad=*/true);
  const Tensor replacement = lin.weight;

  CHECK(lin.parameters()[0].same(replacement));
  const auto named = lin.named_parameters();
  CHECK(named[0].name == "linear.weight");
  CHECK(named[0].tensor.same(replacement));
  CHECK(replacement.name() == "linear.weight");  // named when listed, for the tape dumps
  CHECK(lin.state_dict()[0].tensor.same(replacement));
  CHECK(lin.num_parameters() == 3);

  // The optimizer steps the tensor the forward pass uses.
  SGD sgd(lin.parameters(), {.lr = 0.1});
  const std::vector<double> before = replacement.to_vector();
  {
    Tape tape;
    sum(lin(ag::ones({4, 2}))).backward();
  }
  sgd.step();
  CHECK(replacement.to_vector() != before);

  // The file holds the new numbers, and loads into the member.
  const std::string file = parameters_to_json(lin);
  Generator other_gen(2);
  Linear copy(2, 1, other_gen);
  copy.weight = ag::zeros({1, 2}, /*requires_grad=*/true);
  parameters_from_json(copy, file);
  CHECK(copy.weight.to_vector() == replacement.to_vector());
  CHECK(copy.bias.to_vector() == lin.bias.to_vector());
  CHECK_FALSE(old_weight.same(lin.weight));
}

TEST_CASE("a parameter member given a tensor without requires_grad is refused by the optimizer",
          "[module][errors]") {
  // PyTorch refuses `lin.weight = torch.zeros(...)` (a plain tensor, not a Parameter): the model
  // would silently not learn it. Here the listing keeps it (a frozen parameter lacks
  // requires_grad too, and must still be listed and saved), and an optimizer refuses it by name.
  Generator gen(1);
  Linear lin(2, 1, gen);
  lin.weight = init::xavier_uniform(ag::zeros({1, 2}), gen);
  CHECK(lin.parameters()[0].same(lin.weight));
  CHECK_THROWS_WITH(SGD(lin.parameters()), Catch::Contains("'linear.weight'") &&
                                               Catch::Contains("is not a leaf with requires_grad"));
  // Frozen: listed, saved and loaded like any other.
  Linear frozen(2, 1, gen);
  frozen.weight.requires_grad_(false);
  CHECK(frozen.parameters().size() == 2);
  const std::string file = parameters_to_json(frozen);
  Linear copy(2, 1, gen);
  parameters_from_json(copy, file);
  CHECK(copy.weight.to_vector() == frozen.weight.to_vector());
  // Made by an op: not a leaf.
  Tensor w = ag::ones({1, 2}, true);
  {
    Tape tape;
    lin.weight = w * 2.0;
    CHECK_THROWS_WITH(lin.parameters(), Catch::Contains("'weight' holds a tensor made by an op"));
    CHECK_THROWS_WITH(lin.state_dict(), Catch::Contains("a parameter is a leaf"));
    lin.weight = w;
  }
  CHECK(lin.parameters()[0].same(w));
  // An empty handle (PyTorch's `lin.bias = None`) leaves the entry out.
  lin.bias = Tensor();
  CHECK(lin.parameters().size() == 1);
  CHECK(lin.to_string() == "Linear(in_features=2, out_features=1, bias=false)");
}

TEST_CASE("a buffer member given a new tensor is the buffer from then on", "[module]") {
  Counter counter(ag::zeros({}));
  counter.count = ag::full({}, 7.0);
  const auto state = counter.state_dict();
  REQUIRE(state.size() == 2);
  CHECK(state[1].name == "counter.count");
  CHECK(state[1].tensor.same(counter.count));
  CHECK(counter.named_buffers()[0].tensor.item() == 7.0);
  counter.count = ag::zeros({}, /*requires_grad=*/true);
  CHECK_THROWS_WITH(counter.named_buffers(),
                    "Module 'counter': buffer 'count' holds a tensor with requires_grad (shape "
                    "[]); a buffer is a leaf without requires_grad (detach() it)");
}

// ----- one name, one entry -----------------------------------------------------------------------
namespace {
// Registers two children, or two parameters, or a parameter and a buffer, under one name.
struct TwoChildren : Module {
  explicit TwoChildren(Generator& gen) : Module("net"), a(2, 2, gen), b(2, 2, gen) {
    register_module("fc", a);
    register_module("fc", b);
  }
  Linear a, b;
};
struct TwoParameters : Module {
  TwoParameters() : Module("net"), w(ag::ones({2})), v(ag::zeros({2})) {
    register_parameter("w", w);
    register_parameter("w", v);
  }
  Tensor w, v;
};
struct ParameterAndBuffer : Module {
  ParameterAndBuffer() : Module("net"), w(ag::ones({2})), v(ag::zeros({2})) {
    register_parameter("w", w);
    register_buffer("w", v);
  }
  Tensor w, v;
};
}  // namespace

TEST_CASE("a name registered twice in one module is refused, naming both", "[module][errors]") {
  // Accepted, each made a model that saved both entries under one name and could not load it.
  Generator gen(0);
  CHECK_THROWS_WITH(TwoChildren(gen),
                    "net: cannot register child Linear 'linear' under the name 'fc': it already "
                    "names child Linear 'net.fc' (each needs a name of its own; a loop that "
                    "leaves its index out of the name?)");
  CHECK_THROWS_WITH(TwoParameters(),
                    "net: cannot register parameter 'w' under the name 'w': it already names "
                    "parameter 'net.w' (each needs a name of its own; a loop that leaves its "
                    "index out of the name?)");
  CHECK_THROWS_WITH(ParameterAndBuffer(), Catch::Contains("cannot register buffer 'w'") &&
                                              Catch::Contains("already names parameter 'net.w'"));
}
