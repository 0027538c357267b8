"""JSON-constrained decoding: is_viable / is_complete on hand cases, and a random tiny model whose
masked greedy output jsonschema accepts for every seed (and equals the committed greedy path)."""

import pytest

from autograder.harness.expect import assert_equal

PERSON_WORDS = ("name", "age", "admin")
ORDER_WORDS = ("item", "qty", "tags", "ship", "city", "fast", "tea", "cake", "tart")


@pytest.mark.points(3)
def test_viable_and_complete_hand_cases(student, oracle):
    """Prefixes of accepted texts are viable; wrong keys, characters, ranges and lengths are not."""
    p = oracle.PERSON
    cases = {
        "": True, "{": True, '{"na': True, '{"name":"': True, '{"name":"bo': True, '{"name":"bob","age":1': True,
        '{"name":"bob","age":12': True, '{"name":"bob","age":120,"admin":f': True,
        '{"nme': False, ' {': False, '{"name":""': False, '{"name":"abcdefg': False, '{"name":"Bob': False,
        '{"name":"bob","age":121': False, '{"name":"bob","age":01': False, '{"name":"bob","age":-': False,
        '{"name":"bob","age":1,"admin":tru}': False, '{"name":"bob","age":1,"admin":true}': True,
        '{"name":"bob","age":1,"admin":true} ': False, '{"name": "bob"': False,
    }
    got = {text: student.call("constrained:is_viable", p, text) for text in cases}
    assert_equal(got, cases)
    complete = {'{"name":"bob","age":1,"admin":true}': True, '{"name":"bob","age":1,"admin":true': False,
                '{"name":"b","age":0,"admin":false}': True, "": False}
    assert_equal({t: student.call("constrained:is_complete", p, t) for t in complete}, complete)


@pytest.mark.points(2)
def test_viable_enums_arrays_nesting(student, oracle):
    """Enum values, array item counts and nested objects follow the schema."""
    o = oracle.ORDER
    head = '{"item":"tart","qty":12,"tags":'
    cases = {
        '{"item":"ta': True, '{"item":"tart"': True, '{"item":"tar"': False, '{"item":"tea","qty":13': False,
        head + "[]": False, head + '["a"]': True, head + '["a","b"]': True, head + '["a","b",': False,
        head + '["abcd': False, head + '["a"],"ship":{"city":"x"': False, head + '["a"],"ship":{"city":"xy","fast":true}}': True,
    }
    assert_equal({t: student.call("constrained:is_viable", o, t) for t in cases}, cases)


@pytest.mark.points(4)
@pytest.mark.limits(seconds=60)
def test_random_model_output_passes_jsonschema(student, oracle):
    """For 8 seeds of a random tiny model: jsonschema accepts every output, and the token ids are
    the masked greedy path (committed expected values)."""
    expected = oracle.expected("greedy_ids")
    for name, schema, words in [("person", oracle.PERSON, PERSON_WORDS), ("order", oracle.ORDER, ORDER_WORDS)]:
        for seed in range(4):
            vocab = oracle.make_vocab(seed, words)
            model = student.callback(oracle.TinyLM(len(vocab), seed).logits)
            ids = student.call("constrained:constrained_json", model, vocab, schema)
            assert type(ids) is list and all(type(i) is int and 0 <= i < len(vocab) for i in ids), \
                "constrained_json returns a list of token ids"
            oracle.check_against_schema("".join(vocab[i] for i in ids), schema)
            assert_equal(ids, expected[f"{name}/{seed}"])
            assert model.count == len(ids), "logits_fn is called once per generated token"
            assert [args[0] for args, _ in model.calls] == [ids[:k] for k in range(len(ids))], \
                "logits_fn gets the ids generated so far"
