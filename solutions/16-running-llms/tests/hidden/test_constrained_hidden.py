"""Hidden: constrained decoding on hidden schemas (enums, nesting, arrays, tight ranges), many seeds."""

import random

import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_equal


@pytest.mark.points(3)
def test_viable_and_complete_match_the_grammar(student, oracle, hidden):
    """is_viable / is_complete agree with the accepted-text rules on prefixes and corrupted texts of hidden schemas."""
    rng = random.Random(17)
    for name, schema in hidden.HIDDEN_SCHEMAS.items():
        texts = []
        for _ in range(3):
            good = hidden.random_text(schema, rng)
            texts += [good[:k] for k in range(0, len(good) + 1, 3)] + [good, good + "}"]
            for _ in range(10):
                k = rng.randrange(len(good))
                ch = rng.choice('{}[]":,0123456789az -')
                texts += [good[:k] + ch, good[:k] + ch + good[k + 1:], good[:k] + good[k + 1:]]
        got_v = \
            [student.call("constrained:is_viable", schema, t) for t in texts]
        assert_equal(got_v, [oracle.status(schema, t) != "bad" for t in texts])
        got_c = [student.call("constrained:is_complete", schema, t) for t in texts[::2]]
        assert_equal(got_c, [oracle.status(schema, t) == "complete" for t in texts[::2]])


@pytest.mark.points(2)
def test_viable_edge_cases(student, oracle, hidden):
    """Enum values that prefix each other, single-value ranges, empty arrays and objects, exact string lengths."""
    schema = hidden.HIDDEN_SCHEMAS["batch"]
    cases = ['{"jobs":[{"id":0,"ok":true,"kind":"a"', '{"jobs":[{"id":0,"ok":true,"kind":"ab"}]', '{"jobs":[]',
             '{"jobs":[{"id":10000', '{"jobs":[{"id":9999,"ok":false,"kind":"abcd', '{"jobs":[{"id":00',
             '{"jobs":[{"id":1,"ok":true,"kind":"abc"}],"label":"ab"', '{"jobs":[{"id":1,"ok":true,"kind":"abc"}],"label":"abcd',
             '{"jobs":[{"id":1,"ok":true,"kind":"abc"}],"label":"a c","meta":{}', '{"jobs":[{"id":1,"ok":true,"kind":"abc"}],"label":"a c","meta":{"',
             '{"jobs":[{"id":1,"ok":true,"kind":"abc"}],"label":"a c","meta":{},"empty":[]}',
             '{"jobs":[{"id":1,"ok":true,"kind":"abc"}],"label":"a c","meta":{},"empty":[0',
             '{"jobs":[{"id":1,"ok":true,"kind":"abc"},{"id":2,"ok":true,"kind":"a"},']
    assert_equal([student.call("constrained:is_viable", schema, t) for t in cases],
                 [oracle.status(schema, t) != "bad" for t in cases])
    schema = hidden.HIDDEN_SCHEMAS["reading"]
    cases = ['{"unit":"c","value":0', '{"unit":"c","value":1', '{"unit":"c","value":0,"when":{"day":3',
             '{"unit":"c","value":0,"when":{"day":32', '{"unit":"c","value":0,"when":{"day":0',
             '{"unit":"c","value":0,"when":{"day":31,"month":1,"year":19', '{"unit":"c","value":0,"when":{"day":31,"month":1,"year":18',
             '{"unit":"c","value":0,"when":{"day":31,"month":1,"year":2031', '{"unit":"c","value":0,"when":{"day":1,"month":12,"year":2030},"flags":[true]',
             '{"unit":"c","value":0,"when":{"day":1,"month":12,"year":2030},"flags":[true,false,true,true,',
             '{"unit":"c","value":0,"when":{"day":1,"month":12,"year":2030},"flags":[true,false],"name":""}',
             '{"unit":"c","value":0,"when":{"day":1,"month":12,"year":2030},"flags":[true,false],"name":"","alias":"","extra":[]}',
             '{"unit":"c","value":0,"when":{"day":1,"month":12,"year":2030},"flags":[true,false],"name":"","alias":"abc',
             '{"unit":"c","value":0,"when":{"day":1,"month":12,"year":2030},"flags":[true,false],"name":"","alias":"","extra":[5',
             '{"unit":"c","value":0,"when":{"day":1,"month":12,"year":2030},"flags":[true,false],"name":"","alias":"","extra":[3,4,']
    assert_equal([student.call("constrained:is_complete", schema, t) for t in cases],
                 [oracle.status(schema, t) == "complete" for t in cases])
    assert_equal([student.call("constrained:is_viable", schema, t) for t in cases],
                 [oracle.status(schema, t) != "bad" for t in cases])


def _decode_and_check(student, oracle, schema, vocab, model_fn):
    model = student.callback(model_fn)
    ids = student.call("constrained:constrained_json", model, vocab, schema)
    assert type(ids) is list and all(type(i) is int and 0 <= i < len(vocab) for i in ids), \
        "constrained_json returns a list of token ids"
    oracle.check_against_schema("".join(vocab[i] for i in ids), schema)
    assert_equal(ids, oracle.greedy_decode(model_fn, vocab, schema))
    assert model.count == len(ids) and [a[0] for a, _ in model.calls] == [ids[:k] for k in range(len(ids))], \
        "logits_fn is called once per token with the ids so far"


@pytest.mark.points(5)
@pytest.mark.limits(seconds=90)
def test_random_models_on_hidden_schemas(student, oracle, hidden):
    """For many seeds of random tiny models on hidden schemas: jsonschema accepts every output and the
    ids are the masked greedy path; the model is called once per token."""
    for name, schema in hidden.HIDDEN_SCHEMAS.items():
        words = hidden.words_of(schema)
        for seed in range(100, 108):
            vocab = oracle.make_vocab(seed, words)
            _decode_and_check(student, oracle, schema, vocab, oracle.TinyLM(len(vocab), seed).logits)


@pytest.mark.points(3)
def test_adversarial_models(student, oracle, hidden):
    """Models biased toward closing quotes and braces, digits, JSON literals or distractors still give valid, greedy outputs."""
    for name, schema in hidden.HIDDEN_SCHEMAS.items():
        vocab = oracle.make_vocab(7, hidden.words_of(schema))
        for k, favourites in enumerate(['"', "}", "]", "9", "null", "\\", "0", ","]):
            bias = {t: 6.0 for t, piece in enumerate(vocab) if favourites in piece}
            _decode_and_check(student, oracle, schema, vocab, oracle.TinyLM(len(vocab), 300 + k, bias=bias).logits)


@pytest.mark.points(2)
def test_ties_go_to_the_lowest_id(student, oracle, hidden):
    """A model whose logits are all equal: each step takes the allowed token with the lowest id."""
    schema = hidden.HIDDEN_SCHEMAS["ticket"]
    for seed in (1, 2):
        vocab = oracle.make_vocab(seed, hidden.words_of(schema))
        _decode_and_check(student, oracle, schema, vocab, lambda ids, n=len(vocab): [0.0] * n)
    vocab = oracle.make_vocab(3, hidden.words_of(schema))
    _decode_and_check(student, oracle, schema, vocab,
                      lambda ids, n=len(vocab): [float((t * 7 + len(ids)) % 3) for t in range(n)])


@pytest.mark.points(2)
def test_decoding_errors(student, oracle, hidden):
    """ValueError when max_tokens runs out before the text is complete, or when no token is allowed."""
    schema = hidden.HIDDEN_SCHEMAS["reading"]
    vocab = oracle.make_vocab(4, hidden.words_of(schema))
    model = oracle.TinyLM(len(vocab), 4)
    n = len(oracle.greedy_decode(model.logits, vocab, schema))
    counted = student.callback(model.logits)
    with pytest.raises(StudentError) as err:
        student.call("constrained:constrained_json", counted, vocab, schema, n - 1)
    assert err.value.exc_type == "ValueError" and counted.count == n - 1
    ids = student.call("constrained:constrained_json", student.callback(model.logits), vocab, schema, n)
    assert len(ids) == n
    small = [t for t in vocab if "}" not in t]          # the object can never be closed
    small_model = oracle.TinyLM(len(small), 4)
    steps = []
    with pytest.raises(ValueError):
        oracle.greedy_decode(lambda ids: steps.append(1) or small_model.logits(ids), small, schema)
    model = student.callback(small_model.logits)
    with pytest.raises(StudentError) as err:
        student.call("constrained:constrained_json", model, small, schema)
    assert err.value.exc_type == "ValueError"
    assert model.count == len(steps), "the error is raised at the first step that allows no token"
