"""What one LLM call sends, as the rules see it: requests, parts and resolved values.

A *request* is one API call's payload; a *site* is where it is made in the
source; a *part* is one piece of the payload in API order (a tool, the system
prompt or one of its blocks, one message or one of its content blocks). Every
part carries its *value*: what :mod:`promptcop.linter.values` could prove about
the text or data that reaches the API at run time.

Values are a small algebra, not Python objects:

- :class:`Text` is a string, a sequence of atoms in text order.
- Atoms: :class:`Lit` (known text), :class:`Dyn` (text that can differ
  between two requests, with the reason), :class:`Unk` (origin unknown: an
  opaque call result; never reported as certain).
- :class:`Seq` (list/tuple/set), :class:`Map` (dict) hold other values and
  record when their order is not stable (:class:`Unordered`).
- :class:`Const` is a static non-string scalar; :class:`SdkRef` is an SDK
  client or a path below one (``client.messages``); :class:`Ref` is any other
  named thing (module, class, function) by its qualified name.

Every atom keeps its :class:`Origin` (the expression that produced it and the
module it lives in), so a finding can point at the ``datetime.now()`` call
inside a helper rather than at the call that sends it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import libcst as cst

if TYPE_CHECKING:
    from promptcop.linter.parse import ParsedModule

Provider = Literal["anthropic", "openai", "litellm"]
# The API family: decides which keyword holds what (system vs instructions,
# max_tokens vs max_output_tokens) and how parts are laid out.
ApiKind = Literal[
    "anthropic.messages",  # messages.create / stream, beta.messages.*
    "anthropic.count_tokens",  # messages.count_tokens: no output limit needed
    "anthropic.batch",  # one ``params`` entry of messages.batches.create
    "openai.chat",  # chat.completions.create / parse / stream, beta.chat.*
    "openai.responses",  # responses.create / parse / stream
    "litellm.completion",  # litellm.completion / acompletion (OpenAI chat shape)
]
ElementKind = Literal["str", "dict", "entry", "unknown"]
Section = Literal["tools", "functions", "system", "instructions", "messages", "input"]

# Why a value can differ between two requests made by the same code.
# Cache killers (PC101): the value changes by itself, whatever the caller does.
CLOCK_CATEGORIES = frozenset(
    {"clock", "date", "uuid", "random", "secrets", "pid", "hostname", "env", "id", "configured"}
)
# Per-request data (PC102): it changes because the input changes.
PER_REQUEST_CATEGORIES = frozenset({"param", "user_input", "loop"})
# Serialisation of data with no fixed order (PC104).
UNSTABLE_CATEGORIES = frozenset({"unordered"})
DynCategory = Literal[
    "clock",
    "date",
    "uuid",
    "random",
    "secrets",
    "pid",
    "hostname",
    "env",
    "id",
    "configured",
    "param",
    "user_input",
    "loop",
    "unordered",
]


@dataclass(frozen=True, eq=False)
class Origin:
    """The expression that produced a value and the module it is written in."""

    node: cst.CSTNode
    module: ParsedModule

    @property
    def path(self) -> str:
        return self.module.path


# --- atoms: the pieces of a text in order -----------------------------------


@dataclass(frozen=True, eq=False)
class Lit:
    """Known text. ``literal`` is True when it is verbatim the value of a string literal
    (``origin.node``), so a rewrite of that literal changes exactly this text."""

    text: str
    origin: Origin | None = None
    literal: bool = False


@dataclass(frozen=True, eq=False)
class Dyn:
    """A value that can differ between two requests.

    ``category`` says why (see the *_CATEGORIES sets); ``what`` is the source
    text of the expression that makes it (``datetime.now()``), for messages.
    """

    category: DynCategory
    what: str
    origin: Origin | None = None
    detail: str = ""

    @property
    def changes_daily(self) -> bool:
        """A date read that changes once a day: a warning, not an error."""
        return self.category == "date"


@dataclass(frozen=True, eq=False)
class Unk:
    """A value the analysis cannot see (an opaque call result). Never reported as certain."""

    reason: str
    origin: Origin | None = None
    # The texts it is one of, when known (``PROMPTS[task]``, ``A if x else B``):
    # which one is sent is unknown, but each is a whole prompt of its own that
    # content rules (duplicate instructions) can still read.
    choices: tuple[Text, ...] = field(default=(), repr=False)


Atom = Lit | Dyn | Unk


# --- values -------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Text:
    """A string: its atoms in order. Fully static when every atom is a :class:`Lit`."""

    atoms: tuple[Atom, ...]
    origin: Origin | None = None

    @property
    def static_text(self) -> str | None:
        """The whole text when every atom is known, else None."""
        if all(isinstance(a, Lit) for a in self.atoms):
            return "".join(a.text for a in self.atoms if isinstance(a, Lit))
        return None


@dataclass(frozen=True, eq=False)
class Unordered:
    """Where a collection loses its order: ``node`` is the expression to wrap in
    ``sorted(...)`` (a set, an ``os.listdir`` call, the iterable of a loop over one);
    ``source`` names the unordered origin for messages ("a set", "os.listdir()")."""

    node: cst.BaseExpression
    module: ParsedModule
    source: str
    # What the iteration yields: "str" (names, paths), "dict" (tool definitions),
    # "entry" (os.scandir DirEntry) or "unknown"; decides the sort key of a fix.
    element: ElementKind = "unknown"


@dataclass(frozen=True, eq=False)
class Seq:
    """A list, tuple or set. ``items`` are the known elements in order; ``more`` is a
    value standing for further elements of unknown number (a comprehension's element,
    ``*history``), appended after ``items``."""

    items: tuple[Value, ...]
    more: Value | None = None
    unordered: Unordered | None = None
    origin: Origin | None = None
    # "spread": an element standing for zero or more elements of an outer list
    # (``[system, *history, question]``), so later items keep their positions.
    kind: Literal["list", "tuple", "set", "spread"] = "list"


@dataclass(frozen=True, eq=False)
class Map:
    """A dict. ``entries`` in insertion order with static string keys where known;
    ``rest`` stands for entries the analysis cannot see (``**unknown``)."""

    entries: tuple[tuple[str, Value], ...]
    rest: Value | None = None
    unordered: Unordered | None = None
    origin: Origin | None = None

    def get(self, key: str) -> Value | None:
        found: Value | None = None
        for k, v in self.entries:
            if k == key:
                found = v
        return found

    def has(self, key: str) -> bool:
        return any(k == key for k, _ in self.entries)


@dataclass(frozen=True, eq=False)
class Const:
    """A static scalar that is not a string: int, float, bool, None."""

    value: int | float | bool | None
    origin: Origin | None = None


@dataclass(frozen=True, eq=False)
class SdkRef:
    """An LLM SDK client, or an attribute path below one.

    ``SdkRef("anthropic", ())`` is a client; ``("messages", "create")`` is its
    create method (a bound method when assigned to a name). ``provider`` is None
    when the object is known to be a client but not of which SDK (configured
    factories): sites then classify the call by its method chain.
    ``preset`` holds the keywords a ``functools.partial`` of a method binds:
    the request a call to the partial makes carries them under its own.
    """

    provider: Provider | None
    path: tuple[str, ...] = ()
    origin: Origin | None = None
    preset: tuple[Argument, ...] = ()
    preset_unknown: bool = False  # the partial spreads a ``**`` dict we cannot read


@dataclass(frozen=True, eq=False)
class Ref:
    """A named thing by qualified name: a module, class or function (``datetime.datetime``)."""

    qualname: str
    origin: Origin | None = None
    # For an instance ``Cls(a, b=c)``: the constructor's parameters bound to the
    # arguments, so ``self.x = a`` in ``__init__`` reads the value passed.
    init: tuple[tuple[str, Value], ...] = field(default=(), repr=False)


Value = Text | Seq | Map | Const | Dyn | Unk | SdkRef | Ref


def atoms(value: Value) -> Iterator[Atom]:
    """Every atom of ``value`` in serialisation order (what the API would see, in order).

    Dict keys are static in practice and skipped: only values are yielded.
    """
    if isinstance(value, Text):
        yield from value.atoms
    elif isinstance(value, Seq):
        for item in value.items:
            yield from atoms(item)
        if value.more is not None:
            yield from atoms(value.more)
    elif isinstance(value, Map):
        for _, v in value.entries:
            yield from atoms(v)
        if value.rest is not None:
            yield from atoms(value.rest)
    elif isinstance(value, Const):
        yield Lit(repr(value.value), value.origin)
    elif isinstance(value, (Dyn, Unk)):
        yield value
    else:  # SdkRef / Ref inside a prompt: not text we understand
        yield Unk("an object reference", value.origin)


def is_static(value: Value) -> bool:
    """True when every atom of ``value`` is known text and no order is unstable."""
    if isinstance(value, Seq) and (value.unordered is not None or value.more is not None):
        return False
    if isinstance(value, Map) and (value.unordered is not None or value.rest is not None):
        return False
    if isinstance(value, Seq):
        return all(is_static(i) for i in value.items)
    if isinstance(value, Map):
        return all(is_static(v) for _, v in value.entries)
    return all(isinstance(a, Lit) for a in atoms(value))


def static_length(value: Value) -> int:
    """Characters of known text in ``value`` (a cheap size for comparisons)."""
    return sum(len(a.text) for a in atoms(value) if isinstance(a, Lit))


# --- requests -----------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CacheControl:
    """A ``cache_control`` marker: on a block (explicit) or top-level (automatic)."""

    node: cst.BaseExpression | None
    module: ParsedModule | None
    value: Value
    ttl: str | None  # "5m", "1h", or None when not given (default 5m, API_FACTS.md 1.2)
    ttl_known: bool  # False when a ttl key exists but its value is not static


@dataclass(frozen=True, eq=False)
class Part:
    """One piece of the payload in API order (tools -> system -> messages, API_FACTS.md 1.4).

    ``node`` is the source expression of the part *in the linted file* when the part
    is written there (the argument, the dict display of a block); None when it only
    exists in a resolved value (e.g. built inside a helper of another module).
    ``label`` names it for messages: ``system``, ``system[1]``, ``tools[2]``,
    ``messages[0].content[1]``.
    """

    section: Section
    label: str
    value: Value
    node: cst.CSTNode | None = None
    role: str | None = None  # message role for messages/input items ("user", "system", ...)
    message_index: int | None = None
    block_index: int | None = None
    cache_control: CacheControl | None = None
    # True for parts of the final message of a statically known message list, and
    # for a plain ``input=`` string: the turn that changes on every request anyway.
    in_last_message: bool = False
    # The part stands for an unknown number of parts (``*history``, a comprehension).
    repeated: bool = False


@dataclass(frozen=True, eq=False)
class Argument:
    """One keyword the request carries: written at the call, or from a ``**`` dict."""

    name: str
    value: Value
    node: cst.BaseExpression | None  # the expression in the linted file, if written there


@dataclass(frozen=True, eq=False)
class Site:
    """Where a request is made: the call and its syntactic surroundings.

    ``ancestors`` runs from the module down to the call's parent, so rules can
    find enclosing functions, loops, comprehensions, ``with`` and ``await``
    without re-walking the tree.
    """

    call: cst.Call
    module: ParsedModule
    ancestors: tuple[cst.CSTNode, ...]

    @property
    def function(self) -> cst.FunctionDef | None:
        """The innermost enclosing function (None at module level)."""
        for node in reversed(self.ancestors):
            if isinstance(node, cst.FunctionDef):
                return node
        return None

    @property
    def class_def(self) -> cst.ClassDef | None:
        """The class whose method encloses the call, if any."""
        seen_function = False
        for node in reversed(self.ancestors):
            if isinstance(node, cst.FunctionDef):
                seen_function = True
            elif isinstance(node, cst.ClassDef):
                return node if seen_function else None
        return None

    @property
    def loops(self) -> tuple[cst.CSTNode, ...]:
        """Enclosing loops and comprehensions inside the innermost function, outermost first."""
        out: list[cst.CSTNode] = []
        for node in reversed(self.ancestors):
            if isinstance(node, (cst.FunctionDef, cst.Lambda)):
                break
            if isinstance(
                node,
                (cst.For, cst.While, cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp),
            ):
                out.append(node)
        return tuple(reversed(out))

    @property
    def awaited(self) -> bool:
        return bool(self.ancestors) and isinstance(self.ancestors[-1], cst.Await)


@dataclass(frozen=True, eq=False)
class OutputLimit:
    """The keyword that bounds the output (``max_tokens``, ``max_completion_tokens``,
    ``max_output_tokens``) and its value."""

    name: str
    value: Value
    node: cst.BaseExpression | None


@dataclass(frozen=True, eq=False)
class Request:
    """One LLM API call's payload, resolved as far as static analysis allows."""

    provider: Provider
    api: ApiKind
    method: str  # the SDK method as written: "messages.create", "chat.completions.parse"
    site: Site
    arguments: tuple[Argument, ...]
    # A ``**kwargs`` whose keys the analysis cannot see: any keyword may be present.
    unknown_kwargs: bool
    parts: tuple[Part, ...]
    model: Value | None
    output_limit: OutputLimit | None
    cache_control: CacheControl | None  # top-level automatic caching (API_FACTS.md 1.3a)
    # For batch entries: the ``params`` dict expression (None for direct calls).
    batch_params: cst.BaseExpression | None = None
    streaming: bool = False
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def call(self) -> cst.Call:
        return self.site.call

    @property
    def model_name(self) -> str | None:
        """The model id when it is static text."""
        if isinstance(self.model, Text):
            return self.model.static_text
        return None

    def argument(self, name: str) -> Argument | None:
        found: Argument | None = None
        for arg in self.arguments:
            if arg.name == name:
                found = arg
        return found

    def section(self, section: Section) -> tuple[Part, ...]:
        return tuple(p for p in self.parts if p.section == section)

    @property
    def needs_output_limit(self) -> bool:
        """Token counting sends nothing back to generate (API_FACTS.md 2.7)."""
        return self.api != "anthropic.count_tokens"

    def cache_markers(self) -> tuple[CacheControl, ...]:
        """Explicit breakpoints in API order (tools -> system -> messages)."""
        return tuple(p.cache_control for p in self.parts if p.cache_control is not None)

    def prefix_parts(self) -> tuple[Part, ...]:
        """The parts in the cacheable prefix, in API order.

        With explicit breakpoints (and no top-level automatic caching) the
        prefix ends at the last marked block: what follows is never cached, so
        a dynamic value there costs nothing extra (API_FACTS.md 1.3b, 1.4).
        Otherwise tools, system and instructions always are (they open every
        request of a conversation) and a message part is unless it belongs to
        the final user turn, which changes on every request anyway
        (API_FACTS.md 1.3a, 1.11; OpenAI caches the same prefix, 3.2).
        """
        last_marker = -1
        for i, part in enumerate(self.parts):
            if part.cache_control is not None:
                last_marker = i
        if last_marker >= 0 and self.cache_control is None:
            return tuple(self.parts[: last_marker + 1])
        out: list[Part] = []
        for i, part in enumerate(self.parts):
            opening = part.section in ("tools", "functions", "system", "instructions")
            if opening or i <= last_marker or not part.in_last_message:
                out.append(part)
        return tuple(out)
