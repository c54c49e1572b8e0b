"""Translatable text for messages built outside templates (guards, services).

A `Text` is a `str` whose value is the Vietnamese sentence — what the API returns — and which also keeps
its catalog template and parameters, so a page can show it in the reader's language.
"""


class Text(str):
    template: str
    params: dict

    def __new__(cls, template: str, **params):
        text = super().__new__(cls, template % params if params else template)
        text.template, text.params = template, params
        return text


T = Text
