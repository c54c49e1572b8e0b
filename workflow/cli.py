"""Command line: `flask --app wsgi init-db | load-demo | create-user | audit-verify | stats-refresh`."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app

from workflow.services.errors import ServiceError
from workflow.uow import unit_of_work


def register(app: Flask) -> None:
    @app.cli.command("init-db")
    def init_db() -> None:
        """Create or migrate the schema to the newest revision (Alembic)."""
        from flask_migrate import upgrade

        from workflow.services.dbroles import app_role_to_grant, grant_app_role

        upgrade()
        owner_url = current_app.config.get("MIGRATION_DATABASE_URL") or ""
        role = app_role_to_grant(current_app.config["SQLALCHEMY_DATABASE_URI"], owner_url)
        if role:
            grant_app_role(owner_url, role)
            click.echo(f"Vai trò {role} của ứng dụng: chỉ đọc và ghi thêm vào nhật ký.")
        click.echo("Cơ sở dữ liệu đã ở phiên bản mới nhất.")

    @app.cli.command("load-criteria")
    @click.argument("path")
    def load_criteria(path: str) -> None:
        """Load a criteria set file (JSON or Excel .xlsx); a new version never changes dossiers already assessed."""
        from workflow.services.criteria import load_criteria_file

        try:
            with unit_of_work():
                criteria_set, created = load_criteria_file(path)
        except ServiceError as error:
            raise click.ClickException(error.message) from None
        state = "đã nạp" if created else "đã có sẵn"
        click.echo(f"{criteria_set.title} {criteria_set.version}: {state} ({len(criteria_set.criteria)} tiêu chí)")

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--password", required=True)
    @click.option("--full-name", required=True)
    @click.option("--role", "roles", multiple=True, help="ROLE@UNIT_CODE, may repeat")
    @click.option("--personal-id", default=None, help="số định danh cá nhân, 12 digits")
    @click.option("--email", default=None)
    def create_user(username: str, password: str, full_name: str, roles: tuple[str, ...], personal_id: str | None,
                    email: str | None) -> None:
        """Create a user with roles such as ward_inspector@P-TANDAN."""
        from workflow.services.accounts import create_user as create

        try:
            with unit_of_work():
                user = create(username, password, full_name, list(roles), personal_id=personal_id, email=email)
        except ServiceError as error:
            detail = "; ".join(f"{k}: {v}" for k, v in error.fields.items())
            raise click.ClickException(f"{error.message} {detail}".strip()) from None
        click.echo(f"Đã tạo {user.username} ({', '.join(a.role + '@' + a.unit.code for a in user.roles)})")

    @app.cli.command("audit-verify")
    @click.option("--root", "published_root", default=None,
                  help="the Merkle root the ward published: verify against that seal")
    @click.option("--jobs", default=1, show_default=True, type=click.IntRange(1, 64),
                  help="processes that share the chains (PostgreSQL; the report is the same)")
    def audit_verify(published_root: str | None, jobs: int) -> None:
        """Check every hash chain, each chain against the latest seal, the seals, and that every dossier has a
        history; exit 1 naming each dossier when anything is wrong. The outcome is kept for the auditor's page."""
        from workflow.services import seals

        with unit_of_work():
            report = seals.verify_all(published_root, jobs=jobs)
            seals.record_verification(report)
        sealed = (f"niêm phong số {report.seal.id} ({report.seal.root[:16]}…)" if report.seal
                  else "chưa có niêm phong nào")
        click.echo(f"Đã kiểm tra {report.events_checked} sự kiện của {report.dossiers_checked} hồ sơ "
                   f"({report.streams_checked} chuỗi), đối chiếu với {sealed}.")
        for broken in report.broken:
            who = f"hồ sơ {broken['dossier_id']}" if broken["dossier_id"] else broken["stream"]
            click.echo(f"HỎNG: {who} ({broken['stream']}) seq {broken['seq']}: {broken['reason']} — "
                       f"{broken['explanation']}")
        if report.legacy_events:
            click.echo(f"Lưu ý: {report.legacy_events} sự kiện cũ chưa được niêm phong lại (đơn vị và người thực "
                       "hiện chưa được băm): chạy “flask audit-reseal --reason …”.")
        if not report.valid:
            sys.exit(1)
        click.echo("Toàn vẹn: mọi chuỗi hợp lệ và khớp niêm phong.")

    @app.cli.command("audit-seal")
    def audit_seal() -> None:
        """Append a seal over every chain (refused while anything is broken) and print it to be signed or
        published."""
        from workflow.services import seals
        from workflow.services.errors import Conflict

        try:
            with unit_of_work():
                row = seals.seal()
                number, at, events, streams, last, root, digest, previous = (
                    row.id, row.at, row.events, row.streams, row.last_event_id, row.root, row.hash, row.prev_hash)
        except Conflict as error:
            click.echo(error.message, err=True)
            sys.exit(1)
        from workflow.filters import local_datetime

        click.echo(f"NIÊM PHONG NHẬT KÝ số {number} — {local_datetime(at)} (giờ Việt Nam)")
        click.echo(f"Bao gồm: {events} sự kiện trong {streams} chuỗi (đến sự kiện #{last})")
        click.echo(f"Gốc Merkle:      {root}")
        click.echo(f"Mã niêm phong:   {digest}")
        click.echo(f"Niêm phong trước: {previous}")
        click.echo("In, ký và công bố gốc Merkle này; “flask audit-verify --root …” đối chiếu với nó.")

    @app.cli.command("audit-replay")
    def audit_replay() -> None:
        """Rebuild each dossier's state, votes, meeting figures, disqualifiers and decision from its events; exit
        1 naming every dossier whose stored data differ."""
        from workflow.services.replay import replay

        differences = replay()
        for difference in differences:
            click.echo(f"KHÁC: {difference.describe()}")
        if differences:
            click.echo(f"{len(differences)} chỗ dữ liệu khác với nhật ký.")
            sys.exit(1)
        click.echo("Khớp: dữ liệu của mọi hồ sơ đúng như nhật ký ghi.")

    @app.cli.command("audit-reseal")
    @click.option("--reason", required=True, help="why (kept in each chain's new event)")
    def audit_reseal(reason: str) -> None:
        """Attest the unit and actor of events written before they were hashed: one audited event per such
        chain, nothing rewritten."""
        from workflow.services import seals
        from workflow.services.errors import Conflict

        try:
            with unit_of_work():
                count = seals.reseal(reason)
        except Conflict as error:
            click.echo(error.message, err=True)
            sys.exit(1)
        click.echo(f"Đã niêm phong lại {count} chuỗi. Chạy “flask audit-seal” để công bố niêm phong mới.")

    @app.cli.command("send-outbox")
    @click.option("--limit", default=200, show_default=True, help="messages claimed at a time")
    def send_outbox(limit: int) -> None:
        """Deliver the messages that are due (email, SMS, Zalo); safe to run in several workers at once."""
        from workflow.services.outbox import send_outbox as send

        report = send(limit=limit)
        click.echo(f"Đã gửi {report.sent} tin; {report.retried} tin sẽ gửi lại sau; "
                   f"{report.failed} tin không gửi được.")
        for line in report.errors[:50]:
            click.echo(f"LỖI: {line}")

    @app.cli.command("render-papers")
    @click.option("--jobs", default=1, show_default=True, type=click.IntRange(1, 32),
                  help="Processes that render a paper's parts side by side.")
    @click.option("--limit", default=None, type=click.IntRange(1), help="Make at most this many papers, then stop.")
    def render_papers(jobs: int, limit: int | None) -> None:
        """Make the big papers asked for (a decision's certificates as one PDF), then stop; cron every minute."""
        from workflow.services import paper_jobs

        report = paper_jobs.render_pending(jobs=jobs, limit=limit)
        click.echo(f"Đã tạo {len(report.made)} tệp, lỗi {len(report.failed)}.")
        for line in report.errors:
            click.echo(f"  {line}", err=True)
        if report.failed:
            raise SystemExit(1)

    @app.cli.command("send-reminders")
    def send_reminders() -> None:
        """Write today's deadline reminders for reviewers (run daily; a second run the same day adds nothing)."""
        from workflow.services.reminders import send_reminders as remind

        with unit_of_work():
            written = remind()
        click.echo(f"Đã ghi {written} tin nhắc việc. Chạy “flask send-outbox” để gửi.")

    @app.cli.command("stats-refresh")
    def stats_refresh() -> None:
        """Compute the statistics of every province and town (every title and all) for their leaders' pages (run
        hourly: at a million dossiers a province's figures take tens of seconds; a second run replaces the
        first's)."""
        from workflow.services.stats import refresh

        with unit_of_work():
            written = refresh()
        click.echo(f"Đã tính {written} bảng thống kê cấp tỉnh, thị xã.")

    @app.cli.command("load-demo")
    def load_demo() -> None:
        """Load the demo ward, its users, campaign and ~30 dossiers (idempotent)."""
        from workflow.services.demo import DEMO_PASSWORD
        from workflow.services.demo import load_demo as load

        with unit_of_work():
            created = load(current_app.config["CRITERIA_DIR"])
        if created:
            click.echo(f"Đã nạp dữ liệu mẫu. Mọi tài khoản mẫu dùng mật khẩu: {DEMO_PASSWORD} (chỉ để thử)")
        else:
            click.echo("Dữ liệu mẫu đã có sẵn; không thay đổi gì.")

    @app.cli.command("sweep-uploads")
    @click.option("--minutes", default=60, show_default=True, help="leave files younger than this to their step")
    def sweep_uploads(minutes: int) -> None:
        """Place uploads whose step committed but crashed before the move; delete those of steps that never
        committed and stored files no attachment row refers to (checked by a query; a file with a row is kept)."""
        from datetime import timedelta

        from workflow.services.attachments import sweep

        report = sweep(current_app.config["UPLOAD_FOLDER"], timedelta(minutes=minutes))
        click.echo(f"Đã đặt vào chỗ {len(report.placed)} tệp; đã xoá {len(report.removed_pending)} tệp tạm và "
                   f"{len(report.removed_orphans)} tệp không có hồ sơ; giữ {report.kept} tệp.")
        for name in report.unknown[:50]:
            click.echo(f"Bỏ qua (không phải tệp của ứng dụng): {name}")

    @app.cli.command("backup")
    @click.argument("path")
    def backup(path: str) -> None:
        """Back up the database and the uploaded files to PATH (a new folder, or a file ending in .tar)."""
        from workflow.services.backup import BackupError
        from workflow.services.backup import backup as run

        try:
            outcome = run(current_app.config, path)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Đã sao lưu {outcome.rows} dòng của {len(outcome.tables)} bảng ({outcome.dialect}) và "
                   f"{outcome.files} tệp ({outcome.bytes} byte) vào {outcome.path}.")

    @app.cli.command("restore")
    @click.argument("path")
    @click.option("--force", is_flag=True, help="replace a database or upload folder that holds data")
    def restore(path: str, force: bool) -> None:
        """Restore a backup made by `flask backup` (stop the app first), then verify the audit chains."""
        from workflow.extensions import db
        from workflow.services.audit import verify
        from workflow.services.backup import BackupError
        from workflow.services.backup import restore as run

        def release() -> None:
            db.session.remove()
            db.engine.dispose()

        try:
            outcome = run(current_app.config, path, force=force, release=release)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        release()  # the tables were recreated: no connection keeps plans of the old ones
        click.echo(f"Đã khôi phục {outcome.rows} dòng của {len(outcome.tables)} bảng ({outcome.dialect}) và "
                   f"{outcome.files} tệp từ {outcome.path}.")
        report = verify()
        if not report.valid:
            click.echo(f"Nhật ký KHÔNG toàn vẹn sau khi khôi phục: {len(report.broken)} chuỗi hỏng; chạy "
                       "“flask audit-verify” để xem.")
            sys.exit(1)
        click.echo(f"Nhật ký toàn vẹn: {report.events_checked} sự kiện, {report.streams_checked} chuỗi.")
