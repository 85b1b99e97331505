// module.hpp — Module: a named bag of parameters and child modules, and Sequential.
//
// A layer is a function of its input and of some parameters. The parameters are ordinary leaf
// tensors with requires_grad, so the engine treats them like any other input: each forward pass
// records the ops that use them on the current tape, and backward() adds their gradients (+=)
// into `.grad()`. A Module only keeps them together, gives them names, and hands them to an
// optimizer.
//
// Names. Every module has a short name ("lstm", "layer0", "0") and a dotted path from the root
// module ("lstm.layer0"). A parameter's name is its module's path and its own name,
// "lstm.layer0.W_ih"; the tensor carries it (Tensor::set_name), so tape dumps and graphs show it.
// Within one module a name is used once, among its parameters, buffers and children: a second
// registration under a name already taken throws (a C++ module registers in its constructor, so
// a repeat is a bug there, such as a loop that leaves the index out of the name; a model that
// saved both under one name could not be loaded). PyTorch 1.13 also refuses a name taken by
// another kind (a buffer under a parameter's name: KeyError "attribute 'w' already exists"),
// but replaces the first entry when a parameter, buffer or module is registered again as the
// same kind.
// The order of parameters is stable: a module's own parameters in the order it registered them,
// then each child's, in the order the children were registered (like PyTorch).
//
// Parameters are members. A module registers each parameter member once, in its constructor,
// after giving it its first value:
//     weight = init::default_uniform(ag::zeros({out, in}), in, gen);
//     register_parameter("weight", weight);
// The module keeps the member's address, not a copy of the tensor, and reads the member whenever
// it lists its parameters (parameters(), named_parameters(), state_dict(), saving, loading). So a
// member given a new tensor later, `lin.weight = ag::uniform({1, 2}, -1, 1, gen, true)`, is the
// parameter from then on, as PyTorch's `lin.weight = nn.Parameter(...)` re-registers it: the
// forward pass, the listing and the files all see the new tensor. (An optimizer made before the
// assignment keeps the tensors it was given, as PyTorch's does: make it after.) The new tensor
// must be a leaf, or listing throws; one without requires_grad is listed (a frozen parameter, as
// requires_grad_(false) makes one, is saved and loaded like any other) and an optimizer refuses
// it by name, where PyTorch refuses a plain tensor at the assignment. An empty handle (PyTorch's
// None) is left out of the listing. Buffers are members in the same way. A Module is neither
// copied nor moved (below), so the addresses stay good.
//
// Tied parameters. One module may be used in two places (Sequential{lin, relu, lin}), or one
// tensor registered by two modules: it is still one parameter. parameters() and
// named_parameters() list each tensor once, at its first place in the order above, as PyTorch
// does; so a tied model saves each tensor once and loads into an identical model. A module is
// named by the parent that registers it first ("tied.0"); registering it again elsewhere does not
// rename it. The module tree must not loop: adding a module to itself or to one of its own
// descendants throws.
//
// Scopes. Each forward pass runs inside an ag::ScopeGuard named after the module, so every node
// it records carries the scope "mlp/0" or "lstm/t=3/layer0"; the graph dumps cluster and fold by
// it.
//
// Forward. Every module has a `forward` that takes and returns what PyTorch's forward does, and
// calling the module, m(...), is m.forward(...):
//     Linear, ReLU, Sequential,       y = m(x)                            (UnaryModule below)
//       LayerNorm, BatchNorm1d, Dropout, ...
//     RNNCell, GRUCell                h' = cell(x, h)                     (h left out: zeros)
//     LSTMCell                        (h', c') = cell(x, (h, c))
//     RNN, GRU                        (output, h_n) = rnn(x, h0)          (recurrent.hpp)
//     LSTM                            (output, (h_n, c_n)) = lstm(x, (h0, c0))
// So Module itself declares no forward: the signatures differ, and in C++ a `forward` with
// another signature in a subclass would not override a virtual one but hide it. The common case,
// one tensor in and one out, is UnaryModule, and that is what Sequential chains; handing it an
// LSTM does not compile.
//
// Buffers. Some state is not learned by gradient but is still part of the model: BatchNorm1d's
// running mean and variance. A module registers it as a buffer (register_buffer): named like a
// parameter ("bn.running_mean"), saved and loaded with the parameters, but not a parameter, so
// no optimizer sees it and no gradient reaches it. state_dict() lists both, in PyTorch's order
// (a module's parameters, then its buffers, then each child's), which is what nn's serialize
// writes and reads.
//
// Modes. A module is in training mode (the default) or in evaluation mode; train(false), or
// eval(), sets the mode of the module and of all its descendants, as PyTorch's does. Only a few
// modules read it: Dropout (identity in eval mode) and BatchNorm1d (batch statistics in training
// mode, the running ones in eval mode).
//
// What this file leaves out: hooks, and moving modules (a parent keeps pointers to its children,
// so a Module can be neither copied nor moved; make it where it lives, or hold it in a
// shared_ptr).
#pragma once

#include <autograd/autograd.hpp>

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

namespace ag::nn {

// A parameter with its full dotted name.
struct NamedTensor {
  std::string name;
  Tensor tensor;
};

class Module {
 public:
  explicit Module(std::string name);
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // The short name: the scope its forward pass runs in, and its part of the dotted path.
  const std::string& name() const { return name_; }
  // The dotted path from the root module: "lstm.layer0".
  const std::string& path() const { return path_; }
  // Rename a root module (a child is named by its parent when registered). Parameter names
  // follow: Linear "fc" has "fc.weight" and "fc.bias".
  void set_name(std::string name);

  // Every parameter of this module and its children, in the stable order described above; a
  // tensor that appears twice (tied) is listed once, at its first place.
  std::vector<Tensor> parameters() const;
  std::vector<NamedTensor> named_parameters() const;
  // The total number of parameter elements (weights and biases).
  int64_t num_parameters() const;
  // The direct children, in registration order.
  const std::vector<Module*>& children() const { return children_; }
  // Forget every parameter's accumulated gradient (call between training steps).
  void zero_grad();

  // The buffers of this module and its children (running statistics), in the same order as
  // the parameters; and everything a saved model holds: per module its parameters, then its
  // buffers, then its children's (PyTorch's state_dict order and names).
  std::vector<NamedTensor> named_buffers() const;
  std::vector<NamedTensor> state_dict() const;

  // Training mode (true, the default) or evaluation mode, set for this module and every
  // descendant; returns *this, as PyTorch's train() returns self.
  Module& train(bool mode = true);
  Module& eval() { return train(false); }
  bool is_training() const { return training_; }

  // "Linear(in_features=2, out_features=16, bias=true)" and, indented, its children: the tree
  // a PyTorch user gets from print(model).
  std::string to_string() const;

 protected:
  // The settings shown by to_string() between the parentheses; empty by default.
  virtual std::string extra_repr() const { return ""; }
  // The class name shown by to_string().
  virtual std::string type_name() const { return "Module"; }

  // Makes the member `member` a parameter of this module named "<path>.<name>": it must hold a
  // leaf, which gets requires_grad. The module keeps `member`'s address and reads it at every
  // listing (above), so `member` must outlive the module: a member of it, not a local or an
  // element of a vector that may still grow. A constructor reads
  //     weight = init::...(...);
  //     register_parameter("weight", weight);
  void register_parameter(const std::string& name, Tensor& member);
  // Makes the member `member` a buffer of this module: named "<path>.<name>" like a parameter,
  // saved and loaded with the parameters, but without requires_grad and left out of
  // parameters() (so out of every optimizer). The module updates it in place, through
  // mutable_data(). Kept by address like a parameter.
  void register_buffer(const std::string& name, Tensor& member);
  // Makes `child` a child named `name` (its scope and its part of the parameter names).
  // The child must outlive this module's use of it: usually it is a member, or owned by it.
  // A child already registered elsewhere keeps its first name. Throws if `child` is this
  // module or contains it (the tree would loop).
  // Each of the three throws if `name` already names a parameter, buffer or child here.
  void register_module(const std::string& name, Module& child);

 private:
  // Sets this module's path and renames its parameters and, recursively, its children's.
  void set_path(const std::string& path);
  // Appends the parameters and/or the buffers of this module and its children, in state_dict
  // order, each tensor once.
  struct Collect {
    bool parameters;
    bool buffers;
  };
  void collect(std::vector<NamedTensor>& out, std::unordered_set<const TensorImpl*>& seen,
               Collect what) const;
  void print_tree(std::string& out, int indent) const;
  // Throws if `name` already names a parameter, buffer or child of this module; `what` says
  // what the new entry is ("parameter 'w'", "child Linear 'fc'") for the error.
  void check_unused(const std::string& name, const std::string& what) const;
  // "<path>.<name>", or `name` alone in a module without a path.
  std::string full_name(const std::string& name) const;

  // A registered parameter or buffer: its short name and the member that holds it.
  struct Member {
    std::string name;
    Tensor* tensor;
  };

  std::string name_;
  std::string path_;
  std::vector<Member> params_;   // in registration order
  std::vector<Member> buffers_;  // in registration order
  bool training_ = true;
  std::vector<Module*> children_;
  // Beside children_: the name this module gave each child, and whether it named it first (only
  // that parent renames the child when its own path changes).
  struct ChildName {
    std::string name;
    bool named_here;
  };
  std::vector<ChildName> child_names_;
  bool has_parent_ = false;  // some module registered this one (and named it)
};

// std::cout << model: the tree of to_string(), as PyTorch's print(model):
//
//     Sequential(
//       (0): Linear(in_features=2, out_features=16, bias=true)
//       (1): ReLU()
//     )
// (fmt::print("{}", model) prints the same: the formatter is at the end of this file.)
std::ostream& operator<<(std::ostream& out, const Module& module);

// ---------------------------------------------------------------------------------------------
// UnaryModule: a module whose forward maps one tensor to one tensor (Linear, the activations,
// Sequential itself). Flashlight has the same class under the same name.
class UnaryModule : public Module {
 public:
  using Module::Module;

  virtual Tensor forward(const Tensor& input) = 0;
  Tensor operator()(const Tensor& input) { return forward(input); }
};

// ---------------------------------------------------------------------------------------------
// Sequential: modules applied one after the other, each to the previous one's output.
//
//     auto mlp = Sequential("mlp", {std::make_shared<Linear>(2, 16, gen),
//                                   std::make_shared<ReLU>(), ...});
//
// The children are named "0", "1", ... (parameters "mlp.0.weight"), and run in scopes
// "mlp/0", "mlp/1", ...
class Sequential : public UnaryModule {
 public:
  explicit Sequential(std::string name = "sequential");
  Sequential(std::string name, std::initializer_list<std::shared_ptr<UnaryModule>> modules);

  // Appends a module (named by its position); returns *this to chain adds.
  Sequential& add(std::shared_ptr<UnaryModule> module);
  size_t size() const { return modules_.size(); }
  UnaryModule& operator[](size_t i) const;

  // x -> modules[0](x) -> modules[1](...) -> ...
  Tensor forward(const Tensor& input) override;

 protected:
  std::string type_name() const override { return "Sequential"; }

 private:
  std::vector<std::shared_ptr<UnaryModule>> modules_;
};

}  // namespace ag::nn

// fmt::print("{}", model) for a Module and every class derived from it (fmt picks a formatter by
// the exact type, so one for Module alone would not serve a Linear).
template <class M>
struct fmt::formatter<M, char, std::enable_if_t<std::is_base_of_v<ag::nn::Module, M>>>
    : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const ag::nn::Module& module, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(module.to_string(), ctx);
  }
};
