"""The setup wizard: a Gradio walkthrough that tests each credential live and saves them.

Security: the page is public on a Space, so nothing is tested before the visitor proves
the Space is theirs with a Hugging Face token; the token and every value entered stay on
the server (in `gr.State`, which never reaches the browser); every handler is hidden from
Gradio's API and re-checks, server-side, that this session proved ownership; live tests
are rate-limited per session; secrets are never rendered back, logged or returned.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import sys
import tempfile
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr
from sqlalchemy.engine import make_url

from server import settings as names
from server.catalogue import Language
from server.checks.access import check_access
from server.checks.hub import check_hub_token
from server.checks.postgres import check_postgres
from server.checks.s3 import check_s3
from server.diagnoses import Diagnosis, Status
from server.doctor import SYMBOLS, worst
from server.hub import TOKENS_PAGE
from server.paste import clean_aws_keys, clean_backend_uri, clean_region, clean_s3_location
from server.settings import SECRET_NAMES, Settings, mask
from wizard import apply
from wizard.texts import i18n, text

STEPS = {"where": 1, "token": 2, "database": 3, "artifacts": 4, "access": 5, "apply": 6}
# Live tests a session may run per minute: enough to fix a typo, too few for a scanner.
TESTS_PER_MINUTE = 12
PRIVATE = "private"  # every handler: hidden from Gradio's API and its clients

# Which step fixes what the server's start-up found.
_REPAIR_STEP = {
    "postgres": "database",
    "backend": "database",
    "s3": "artifacts",
    "aws": "artifacts",
    "artifacts": "artifacts",
    "access": "access",
    "setup": "where",
    "settings": "database",
}


@dataclass(frozen=True)
class Context:
    """What the process knows when the wizard starts (the same for every visitor)."""

    environ: Mapping[str, str]
    settings: Settings
    problems: Sequence[Diagnosis]
    env_file: Path
    port: int
    # False in a notebook: becoming the server would replace the notebook's kernel.
    restart_after_apply: bool = True
    # Outside a Space, a visitor from another machine proves ownership with this code,
    # printed only in the server's log (as Jupyter does with its token).
    setup_code: str = field(default_factory=lambda: secrets.token_hex(4))

    @property
    def space_id(self) -> str | None:
        return self.environ.get(names.SPACE_ID) or None

    @property
    def template(self) -> bool:
        template = self.environ.get(names.TEMPLATE_SPACE_ID)
        return bool(template and template == self.space_id)

    @property
    def endpoint(self) -> str | None:
        return self.environ.get(names.HF_ENDPOINT) or None

    @property
    def tracking_uri(self) -> str:
        host = names.space_host(self.environ)
        return f"https://{host}" if host else f"http://127.0.0.1:{self.port}"

    def problems_of(self, step: str) -> list[Diagnosis]:
        """What the server's start-up found that this step fixes."""
        return [
            p
            for p in self.problems
            if p.code != "settings.missing" and _REPAIR_STEP.get(p.code.split(".", 1)[0]) == step
        ]

    def first_step(self) -> int:
        """Where the visitor starts: the step that fixes what broke, once ownership is shown."""
        broken = [p for p in self.problems if p.code != "settings.missing"]
        if self.template or not broken:
            return STEPS["where"]
        if self.space_id:
            return STEPS["token"]
        for problem in broken:
            step = _REPAIR_STEP.get(problem.code.split(".", 1)[0])
            if step:
                return STEPS[step]
        return STEPS["where"]


@dataclass
class Session:
    """One visitor's progress. Lives in `gr.State`: on the server only."""

    language: Language = "fr"
    proved: bool = False
    token: str = ""
    private_space: bool = False
    accepted: dict[str, str] = field(default_factory=dict)  # setting → checked value
    status: dict[str, str] = field(default_factory=dict)  # step → worst status of its test
    shown: dict[str, str] = field(default_factory=dict)  # step → its last rendered result
    tests: deque[float] = field(default_factory=deque)

    def may_test(self) -> bool:
        now = time.monotonic()
        while self.tests and now - self.tests[0] > 60:
            self.tests.popleft()
        if len(self.tests) >= TESTS_PER_MINUTE:
            return False
        self.tests.append(now)
        return True


def render(found: Sequence[Diagnosis], language: Language) -> str:
    """Diagnoses as the page shows them: ✓/!/✗, the message, the fix, a policy to paste."""
    lines: list[str] = []
    for diagnosis in found:
        lines.append(f"{SYMBOLS[diagnosis.status]} {diagnosis.message(language)}  ")
        if diagnosis.status != "ok" and diagnosis.fix(language):
            lines.append(f"→ {diagnosis.fix(language)}  ")
        policy = diagnosis.details.get("policy")
        if policy and diagnosis.status != "ok":
            lines += ["", "```json", policy, "```", ""]
    return "\n".join(lines)


def say(code: str, language: Language, status: Status = "fail", **params: str) -> str:
    """One of the wizard's own diagnoses, rendered like the checks' ones."""
    return render([Diagnosis(code, status=status, params=params)], language)


def repair_banner(problems: Sequence[Diagnosis], language: Language) -> str:
    """Why the wizard is shown: settings still to make, or what broke the server's start."""
    if not problems:
        return ""
    if all(p.code == "settings.missing" for p in problems):
        # A new Space: this wizard is the fix, so list what it will set, without the fixes.
        listed = "\n".join(f"- {p.message(language)}" for p in problems)
        return text("missing", language) + "\n\n" + listed
    return text("repair", language) + "\n\n" + render(problems, language)


def language_of(request: gr.Request | None) -> Language:
    """French unless the browser prefers English."""
    header = request.headers.get("accept-language", "") if request else ""
    return "en" if header.lower().startswith("en") else "fr"


def build(context: Context) -> gr.Blocks:
    """The wizard's page for this process."""
    settings = context.settings
    with gr.Blocks(title="MLflow — configuration", analytics_enabled=False) as page:
        session = gr.State(Session())
        gr.Markdown("# MLflow")
        # Filled for the visitor's language on load; both until then (and without scripts).
        banner = gr.Markdown(
            "\n\n".join(repair_banner(context.problems, lang) for lang in ("fr", "en")),
            elem_id="repair-info",
        )
        with gr.Walkthrough(selected=context.first_step()) as walkthrough:
            with gr.Step(i18n_text("step_where"), id=STEPS["where"]):
                where_info = gr.Markdown(elem_id="where-info")
                template_info = gr.Markdown(elem_id="template-info", visible=context.template)
                where_next = gr.Button(
                    i18n_text("start"), elem_id="where-next", visible=not context.template
                )
            with gr.Step(i18n_text("step_token"), id=STEPS["token"]):
                token_help = gr.Markdown()
                token = gr.Textbox(
                    label=i18n_text("hf_token" if context.space_id else "setup_code"),
                    type="password",
                    elem_id="hf-token",
                )
                token_check = gr.Button(
                    i18n_text("check"), elem_id="token-check", variant="primary"
                )
                token_result = gr.Markdown(elem_id="token-result")
                token_next = gr.Button(i18n_text("next"), elem_id="token-next")
            with gr.Step(i18n_text("step_database"), id=STEPS["database"]):
                db_uri = gr.Textbox(
                    label=i18n_text("db_uri"),
                    type="password",
                    elem_id="db-uri",
                    placeholder=_keep(
                        context, names.BACKEND_STORE_URI, "database", "postgresql://…"
                    ),
                )
                db_check = gr.Button(i18n_text("check"), elem_id="db-check", variant="primary")
                db_result = gr.Markdown(elem_id="db-result")
                db_accept = gr.Checkbox(
                    label=i18n_text("accept_warn"), elem_id="db-accept-warn", visible=False
                )
                db_next = gr.Button(i18n_text("next"), elem_id="db-next")
            with gr.Step(i18n_text("step_artifacts"), id=STEPS["artifacts"]):
                s3_path = gr.Textbox(
                    label=i18n_text("s3_path"),
                    elem_id="s3-path",
                    value=settings.get(names.ARTIFACT_ROOT, ""),
                    placeholder="s3://my-bucket/mlflow-artifacts",
                )
                s3_region = gr.Textbox(
                    label=i18n_text("s3_region"),
                    elem_id="s3-region",
                    value=settings.get(names.AWS_DEFAULT_REGION, ""),
                    placeholder="eu-west-3",
                )
                s3_key_id = gr.Textbox(
                    label=i18n_text("s3_key_id"),
                    elem_id="s3-key-id",
                    placeholder=_keep(context, names.AWS_ACCESS_KEY_ID, "artifacts", "AKIA…"),
                )
                s3_secret = gr.Textbox(
                    label=i18n_text("s3_secret"),
                    type="password",
                    elem_id="s3-secret",
                    placeholder=_keep(context, names.AWS_SECRET_ACCESS_KEY, "artifacts", ""),
                )
                s3_endpoint = gr.Textbox(
                    label=i18n_text("s3_endpoint"),
                    elem_id="s3-endpoint",
                    value=settings.get(names.S3_ENDPOINT_URL, ""),
                )
                s3_check = gr.Button(i18n_text("check"), elem_id="s3-check", variant="primary")
                s3_result = gr.Markdown(elem_id="s3-result")
                s3_accept = gr.Checkbox(
                    label=i18n_text("accept_warn"), elem_id="s3-accept-warn", visible=False
                )
                s3_next = gr.Button(i18n_text("next"), elem_id="s3-next")
            with gr.Step(i18n_text("step_access"), id=STEPS["access"]):
                access_info = gr.Markdown(elem_id="access-info", visible=False)
                auth_enabled = gr.Checkbox(
                    label=i18n_text("auth_enabled"), value=True, elem_id="auth-enabled"
                )
                auth_username = gr.Textbox(
                    label=i18n_text("auth_username"),
                    value=settings.get(names.MLFLOW_TRACKING_USERNAME, "admin"),
                    elem_id="auth-username",
                )
                auth_password = gr.Textbox(
                    label=i18n_text("auth_password"), elem_id="auth-password"
                )
                access_result = gr.Markdown(elem_id="access-result")
                access_next = gr.Button(i18n_text("next"), elem_id="access-next")
            with gr.Step(i18n_text("step_apply"), id=STEPS["apply"]):
                review = gr.Markdown(elem_id="review")
                apply_button = gr.Button(i18n_text("apply"), elem_id="apply", variant="primary")
                apply_status = gr.Markdown(elem_id="apply-status")
                client_env = gr.Code(
                    label=i18n_text("client_env"), language="shell", elem_id="client-env"
                )
                gr.Code(
                    label=i18n_text("notebook"),
                    language="python",
                    value=apply.NOTEBOOK_SNIPPET,
                    elem_id="notebook-snippet",
                )
                download = gr.DownloadButton(
                    i18n_text("download"), elem_id="client-env-download", visible=False
                )

        handlers = Handlers(context)
        page.load(
            handlers.load,
            inputs=[session],
            outputs=[
                session,
                where_info,
                template_info,
                token_help,
                banner,
                auth_password,
                db_result,
                s3_result,
            ],
            api_visibility=PRIVATE,
        )
        repairing = any(p.code != "settings.missing" for p in context.problems)
        where_next.click(
            lambda session: (
                gr.Walkthrough(selected=STEPS["database"] if session.proved else STEPS["token"]),
                gr.update() if repairing else gr.update(value=""),
            ),
            inputs=[session],
            outputs=[walkthrough, banner],
            api_visibility=PRIVATE,
        )
        token_check.click(
            handlers.check_token,
            inputs=[token, session],
            outputs=[
                session,
                token_result,
                access_info,
                auth_enabled,
                auth_username,
                auth_password,
            ],
            api_visibility=PRIVATE,
        )
        token_next.click(
            handlers.next_after("token", "database", accept=None),
            inputs=[session],
            outputs=[walkthrough, token_result],
            api_visibility=PRIVATE,
        )
        db_check.click(
            handlers.check_database,
            inputs=[db_uri, session],
            outputs=[session, db_result, db_accept],
            api_visibility=PRIVATE,
        )
        db_next.click(
            handlers.next_after("database", "artifacts", accept=True),
            inputs=[session, db_accept],
            outputs=[walkthrough, db_result],
            api_visibility=PRIVATE,
        )
        s3_check.click(
            handlers.check_artifacts,
            inputs=[s3_path, s3_region, s3_key_id, s3_secret, s3_endpoint, session],
            outputs=[session, s3_result, s3_region, s3_accept],
            api_visibility=PRIVATE,
        )
        s3_next.click(
            handlers.next_after("artifacts", "access", accept=True),
            inputs=[session, s3_accept],
            outputs=[walkthrough, s3_result],
            api_visibility=PRIVATE,
        )
        access_next.click(
            handlers.check_mlflow_access,
            inputs=[auth_enabled, auth_username, auth_password, session],
            outputs=[session, access_result, walkthrough, review],
            api_visibility=PRIVATE,
        )
        # The poller starts with the click: on a Space, the restart may end this process
        # before the handler returns.
        apply_button.click(None, js=POLL_HEALTH_JS, api_visibility=PRIVATE)
        apply_button.click(
            handlers.apply,
            inputs=[session],
            outputs=[apply_status, client_env, download],
            api_visibility=PRIVATE,
        )
    return page


def i18n_text(key: str) -> Any:
    return I18N(key)


I18N = i18n()

POLL_HEALTH_JS = """
() => {
  const poll = async () => {
    try {
      const answer = await fetch('/health', {cache: 'no-store'});
      if (answer.ok && (await answer.text()).startsWith('OK')) {
        window.location.href = '/';
        return;
      }
    } catch (error) {}
    setTimeout(poll, 2000);
  };
  setTimeout(poll, 2000);
}
"""


def _keep(context: Context, name: str, step: str, example: str) -> str:
    """The placeholder of a secret field: whether it is set, never its value.

    A value the server's start-up refused is not offered to be kept.
    """
    if name not in context.settings or context.problems_of(step):
        return example
    return text("set_keep", "fr") + " / " + text("set_keep", "en")


class Handlers:
    """The event handlers, bound to the process' context."""

    def __init__(self, context: Context) -> None:
        self.context = context

    def load(self, session: Session, request: gr.Request) -> tuple[Any, ...]:
        language = language_of(request)
        session.language = language
        context = self.context
        if context.space_id:
            where = text("where_space", language, space_id=context.space_id)
            token_help = text("token_help", language, tokens=TOKENS_PAGE)
        else:
            # Outside a Space there is no Hugging Face account to prove: a visitor on this
            # machine is its owner; anyone else types the code printed in the server's log.
            session.proved = _is_loopback(request)
            where = text("where_local", language, env_file=str(context.env_file))
            token_help = text("code_help", language)
        banner = repair_banner(context.problems, language)
        template = ""
        if context.template:
            duplicate = f"https://huggingface.co/spaces/{context.space_id}?duplicate=true"
            template = text("template", language, duplicate=duplicate)
            where = banner = ""  # the template collects nothing and misses nothing
        results = [
            render(context.problems_of(step), language) for step in ("database", "artifacts")
        ]
        password = secrets.token_urlsafe(18)
        return session, where, template, token_help, banner, password, *results

    # -- ownership ------------------------------------------------------------------------

    def check_token(self, token: str, session: Session) -> tuple[Any, ...]:
        language = session.language
        if not session.may_test():
            no_change = (gr.update(),) * 4
            return session, say("wizard.rate_limited", language, "warn"), *no_change
        if not self.context.space_id:
            return self._check_setup_code(token, session)
        found = check_hub_token(token, self.context.space_id, endpoint=self.context.endpoint)
        passed = worst(found) != "fail"
        session.proved = passed
        session.token = token.strip() if passed else ""
        session.private_space = any(d.code == "hub.space_private" for d in found)
        session.status["token"] = worst(found)
        session.shown["token"] = render(found, language)
        private = session.private_space
        access_info = gr.update(visible=private, value=text("private_access", language))
        basic_auth = gr.update(visible=not private)
        return (
            session,
            session.shown["token"],
            access_info,
            gr.update(value=not private, visible=not private),
            basic_auth,
            basic_auth,
        )

    def _check_setup_code(self, code: str, session: Session) -> tuple[Any, ...]:
        passed = hmac.compare_digest(code.strip().encode(), self.context.setup_code.encode())
        session.proved = passed
        session.status["token"] = "ok" if passed else "fail"
        session.shown["token"] = (
            say("wizard.code_ok", session.language, "ok")
            if passed
            else say("wizard.code_wrong", session.language)
        )
        return session, session.shown["token"], *(gr.update(),) * 4

    # -- steps ------------------------------------------------------------------------------

    def next_after(self, step: str, following: str, *, accept: bool | None) -> Any:
        def go(session: Session, accepted: bool = False) -> tuple[Any, ...]:
            language = session.language
            status = session.status.get(step)
            # The note goes under the last result: the diagnosis and its fix stay in view.
            last = session.shown.get(step, "")
            if step != "token" and not session.proved:
                return gr.Walkthrough(selected=STEPS["token"]), say("wizard.not_proved", language)
            if status is None or status == "fail":
                return gr.update(), _with_note(last, say("wizard.test_first", language))
            if status == "warn" and accept and not accepted:
                return gr.update(), _with_note(last, say("wizard.accept_first", language, "warn"))
            return gr.Walkthrough(selected=STEPS[following]), gr.update()

        return go

    def _refuse(self, session: Session) -> str | None:
        if not session.proved:
            return say("wizard.not_proved", session.language)
        if not session.may_test():
            return say("wizard.rate_limited", session.language, "warn")
        return None

    def check_database(self, uri: str, session: Session) -> tuple[Any, ...]:
        refused = self._refuse(session)
        if refused:
            return session, refused, gr.update()
        raw = uri or self.context.settings.get(names.BACKEND_STORE_URI, "")
        cleaned = clean_backend_uri(raw)
        found = list(cleaned.changes) + list(cleaned.problems)
        if cleaned.value is not None and not cleaned.problems:
            found += check_postgres(cleaned.value, self.context.environ)
        status = worst(found)
        session.status["database"] = status
        shown = render(found, session.language)
        if status != "fail" and cleaned.value:
            session.accepted[names.BACKEND_STORE_URI] = cleaned.value
            kept = make_url(cleaned.value).render_as_string(hide_password=True)
            shown = text("kept_value", session.language, value=kept) + "\n\n" + shown
        session.shown["database"] = shown
        return session, shown, gr.update(visible=status == "warn", value=False)

    def check_artifacts(
        self, path: str, region: str, key_id: str, secret: str, endpoint: str, session: Session
    ) -> tuple[Any, ...]:
        refused = self._refuse(session)
        if refused:
            return session, refused, gr.update(), gr.update()
        settings = self.context.settings
        location = clean_s3_location(path)
        keys = clean_aws_keys(
            key_id or settings.get(names.AWS_ACCESS_KEY_ID, ""),
            secret or settings.get(names.AWS_SECRET_ACCESS_KEY, ""),
        )
        region_text = region.strip() or (location.value.region if location.value else "") or ""
        cleaned_region = clean_region(region_text) if region_text else None
        found: list[Diagnosis] = [
            *location.diagnoses,
            *keys.diagnoses,
            *(cleaned_region.diagnoses if cleaned_region else ()),
        ]
        detected = cleaned_region.value if cleaned_region else None
        usable = location.value is not None and keys.value is not None
        if usable and not (cleaned_region and cleaned_region.problems):
            assert location.value is not None and keys.value is not None
            live = check_s3(
                location.value.bucket,
                location.value.prefix,
                keys.value.access_key_id,
                keys.value.secret_access_key,
                detected,
                endpoint.strip() or None,
            )
            found += live
            detected = next(
                (d.details["region"] for d in live if d.details.get("region")), detected
            )
        status = worst(found)
        session.status["artifacts"] = status
        if status != "fail" and location.value and keys.value:
            session.accepted[names.ARTIFACT_ROOT] = location.value.uri
            session.accepted[names.AWS_ACCESS_KEY_ID] = keys.value.access_key_id
            session.accepted[names.AWS_SECRET_ACCESS_KEY] = keys.value.secret_access_key
            if detected:
                session.accepted[names.AWS_DEFAULT_REGION] = detected
            if endpoint.strip():
                session.accepted[names.S3_ENDPOINT_URL] = endpoint.strip()
        shown_region = gr.update(value=detected) if detected and not region.strip() else gr.update()
        shown = render(found, session.language)
        if status != "fail" and location.value:
            kept = text("kept_value", session.language, value=location.value.uri)
            shown = kept + "\n\n" + shown
        session.shown["artifacts"] = shown
        return session, shown, shown_region, gr.update(visible=status == "warn", value=False)

    def check_mlflow_access(
        self, enabled: bool, username: str, password: str, session: Session
    ) -> tuple[Any, ...]:
        language = session.language
        if not session.proved:
            return session, say("wizard.not_proved", language), gr.update(), gr.update()
        for key in (names.MLFLOW_TRACKING_USERNAME, names.MLFLOW_TRACKING_PASSWORD):
            session.accepted.pop(key, None)
        values: dict[str, str] = {}
        if enabled and not session.private_space:
            values = {
                names.MLFLOW_TRACKING_USERNAME: username.strip(),
                names.MLFLOW_TRACKING_PASSWORD: password.strip(),
            }
        visibility = (
            "private" if session.private_space else ("public" if self.context.space_id else None)
        )
        found = check_access(Settings.load(values, None), visibility)
        status = worst(found)
        session.status["access"] = status
        if status == "fail":
            return session, render(found, language), gr.update(), gr.update()
        session.accepted.update(values)
        return (
            session,
            render(found, language),
            gr.Walkthrough(selected=STEPS["apply"]),
            self._review(session),
        )

    def _review(self, session: Session) -> str:
        language = session.language
        context = self.context
        where = (
            text("where_secrets", language, space_id=context.space_id)
            if context.space_id
            else str(context.env_file)
        )
        header = f"| {text('setting', language)} | {text('value', language)} |"
        lines = [text("review_intro", language, where=where), "", header, "|---|---|"]
        for name, value in session.accepted.items():
            lines.append(f"| `{name}` | `{_reviewed(name, value)}` |")
        return "\n".join(lines)

    # -- apply ------------------------------------------------------------------------------

    def apply(self, session: Session) -> Any:
        language = session.language
        context = self.context
        if not session.proved:
            yield say("wizard.not_proved", language), gr.update(), gr.update()
            return
        missing = [
            step
            for step in ("database", "artifacts", "access")
            if session.status.get(step) in (None, "fail")
        ]
        if missing:
            yield (
                say("wizard.incomplete", language, steps=", ".join(missing)),
                gr.update(),
                gr.update(),
            )
            return
        values = dict(session.accepted)
        env_block = apply.client_env(context.tracking_uri, values, session.private_space)
        download = _client_env_file(env_block)
        keep = text("keep_this", language, url=context.tracking_uri)
        yield (
            keep + "\n\n" + text("writing", language),
            env_block,
            gr.update(value=download, visible=True),
        )
        if context.space_id:
            applied = apply.apply_to_space(
                session.token, context.space_id, values, context.endpoint
            )
            if not applied.ok:
                message = say("wizard.write_failed", language, keys=", ".join(applied.failed))
                yield keep + "\n\n" + message, env_block, gr.update()
                return
        else:
            apply.write_env_file(context.env_file, values)
            if not context.restart_after_apply:
                yield keep + "\n\n" + text("saved_run_server", language), env_block, gr.update()
                return
            apply.restart_into_server(context.env_file)
        yield keep + "\n\n" + text("restarting", language), env_block, gr.update()


def _reviewed(name: str, value: str) -> str:
    """Enough of a value to recognise it, never a secret: the URI without its password."""
    if name == names.BACKEND_STORE_URI:
        return make_url(value).render_as_string(hide_password=True)
    if name == names.AWS_ACCESS_KEY_ID:
        return value[:4] + "…"
    return mask(value) if name in SECRET_NAMES else value


def _with_note(result: str, note: str) -> str:
    return f"{result}\n\n{note}" if result else note


def _is_loopback(request: gr.Request | None) -> bool:
    client = request.client.host if request and request.client else ""
    try:
        return ipaddress.ip_address(client).is_loopback
    except ValueError:
        return False


def _client_env_file(block: str) -> str:
    folder = Path(tempfile.mkdtemp(prefix="mlflow-client-"))
    path = folder / "mlflow.env"
    path.write_text(block)
    path.chmod(0o600)
    return str(path)


def serve(
    settings: Settings,
    problems: Sequence[Diagnosis],
    environ: Mapping[str, str],
    *,
    host: str,
    port: int,
    env_file: Path,
) -> None:
    """Run the wizard until the process is replaced (locally) or restarted (on a Space)."""
    apply.GUARD.install()
    context = Context(
        environ=environ, settings=settings, problems=problems, env_file=env_file, port=port
    )
    if not context.space_id:
        print(
            f"[mlflow-space] Setup code for visitors from other machines: {context.setup_code}",
            file=sys.stderr,
            flush=True,
        )
    build(context).queue(default_concurrency_limit=8).launch(
        server_name=host,
        server_port=port,
        footer_links=[],
        quiet=True,
        ssr_mode=False,
        i18n=I18N,
        show_error=False,
    )


def notebook(env_file: str | Path = names.DEFAULT_ENV_FILE, port: int = 7860) -> gr.Blocks:
    """The wizard inline in a Jupyter cell; it saves `env_file`, then `python app.py` serves.

    from wizard.app import notebook
    notebook()
    """
    import os

    from server.validation import clean, problems

    env_path = Path(env_file)
    settings, _ = clean(Settings.load(os.environ, env_path))
    environ = {k: v for k, v in os.environ.items() if k != names.SPACE_ID}
    context = Context(
        environ=environ,
        settings=settings,
        problems=problems(settings),
        env_file=env_path,
        port=port,
        restart_after_apply=False,
    )
    page = build(context)
    page.queue().launch(
        inline=True, prevent_thread_lock=True, server_port=port, quiet=True, i18n=I18N
    )
    return page
