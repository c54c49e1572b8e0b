"""Vietnamese labels for the workflow's vocabulary (shown on pages, the API's state_label, the diagram)."""

from states.enums import Role, State, Title, Trigger


def N_(text: str) -> str:
    """Marks a label for the translation catalog; pages translate it when they show it."""
    return text


STATE_LABELS: dict[State, str] = {
    State.DRAFT: N_("Bản nháp"),
    State.REGISTERED: N_("Đã đăng ký"),
    State.REGISTRATION_REJECTED: N_("Không chấp nhận đăng ký"),
    State.SELF_ASSESSMENT: N_("Tự đánh giá tại tổ"),
    State.PUBLIC_NOTICE: N_("Niêm yết công khai"),
    State.WARD_INSPECTION: N_("Phường kiểm tra, đánh giá"),
    State.COUNCIL_REVIEW: N_("Hội đồng TĐKT xét"),
    State.AWAITING_DECISION: N_("Chờ Chủ tịch quyết định"),
    State.RECOGNIZED: N_("Đã công nhận"),
    State.NOT_RECOGNIZED: N_("Không công nhận"),
    State.REVOKED: N_("Đã thu hồi danh hiệu"),
    State.WITHDRAWN: N_("Đã rút hồ sơ"),
}

TRIGGER_LABELS: dict[Trigger, str] = {
    Trigger.SUBMIT: N_("Nộp đăng ký"),
    Trigger.ACCEPT: N_("Chấp nhận đăng ký"),
    Trigger.REJECT_REGISTRATION: N_("Không chấp nhận đăng ký"),
    Trigger.SUBMIT_ASSESSMENT: N_("Gửi kết quả bình xét lên phường"),
    Trigger.CLOSE_NOTICE: N_("Kết thúc niêm yết"),
    Trigger.RETURN_TO_GROUP: N_("Trả về tổ để bổ sung"),
    Trigger.COMPLETE_INSPECTION: N_("Hoàn thành kiểm tra"),
    Trigger.CLOSE_REVIEW: N_("Kết thúc xét của Hội đồng"),
    Trigger.RECOGNIZE: N_("Quyết định công nhận"),
    Trigger.REFUSE: N_("Không công nhận"),
    Trigger.SEND_BACK: N_("Trả lại Hội đồng"),
    Trigger.REVOKE: N_("Thu hồi danh hiệu"),
    Trigger.WITHDRAW: N_("Rút hồ sơ"),
}

ROLE_LABELS: dict[Role, str] = {
    Role.APPLICANT: N_("Người đăng ký"),
    Role.GROUP_COMMITTEE: N_("Ban vận động TDP"),
    Role.WARD_INSPECTOR: N_("Thành viên Ban chỉ đạo"),
    Role.COUNCIL_MEMBER: N_("Thành viên Hội đồng TĐKT"),
    Role.COUNCIL_SECRETARY: N_("Thư ký Hội đồng"),
    Role.CHAIRMAN: N_("Chủ tịch UBND"),
    Role.VICE_CHAIRMAN: N_("Phó Chủ tịch UBND"),
    Role.AUDITOR: N_("Kiểm tra, thanh tra"),
    Role.ADMIN: N_("Quản trị"),
}

TITLE_LABELS: dict[Title, str] = {
    Title.MODEL_CITIZEN: N_("Công dân kiểu mẫu"),
    Title.MODEL_FAMILY: N_("Gia đình kiểu mẫu"),
    Title.MODEL_GROUP: N_("Tổ dân phố kiểu mẫu"),
    Title.MODEL_AGENCY: N_("Cơ quan, đơn vị kiểu mẫu"),
    Title.CULTURED_FAMILY: N_("Gia đình văn hóa"),
}

EVENT_LABELS: dict[str, str] = {
    "created": N_("Tạo hồ sơ"),
    "edited": N_("Sửa hồ sơ"),
    "assessment_saved": N_("Ghi kết quả tự đánh giá"),
    "inspection_saved": N_("Ghi kết quả kiểm tra"),
    "vote_cast": N_("Bỏ phiếu"),
    "objection_recorded": N_("Ghi ý kiến phản ánh"),
    "objection_answered": N_("Trả lời ý kiến phản ánh"),
    "attachment_added": N_("Đính kèm tệp"),
    "campaign_created": N_("Tạo đợt thi đua"),
    "campaign_updated": N_("Sửa đợt thi đua"),
    "role_granted": N_("Cấp vai trò"),
    "role_revoked": N_("Thu hồi vai trò"),
    "password_changed": N_("Đổi mật khẩu"),
    "password_reset": N_("Đặt lại mật khẩu (mật khẩu tạm)"),
    "user_deactivated": N_("Khóa tài khoản"),
    "user_reactivated": N_("Mở lại tài khoản"),
    "token_revoked": N_("Thu hồi token API"),
    "disqualifier_recorded": N_("Ghi trường hợp không xét"),
    "disqualifier_cleared": N_("Gỡ trường hợp không xét"),
    "delegation_granted": N_("Ủy quyền"),
    "delegation_ended": N_("Kết thúc ủy quyền"),
    "meeting_recorded": N_("Ghi biên bản họp bình xét"),
    "calendar_day_added": N_("Thêm ngày nghỉ / ngày làm bù"),
    "calendar_day_removed": N_("Bỏ ngày nghỉ / ngày làm bù"),
    "unit_merged": N_("Sáp nhập đơn vị"),
    "blank_layout_updated": N_("Sửa vị trí in trên phôi giấy công nhận"),
    "chain_resealed": N_("Niêm phong lại chuỗi lịch sử cũ"),
    "renewed": N_("Đăng ký lại năm sau"),
    "list_published": N_("Niêm yết danh sách được công nhận"),
}

STAGE_LABELS: dict[str, str] = {
    "registration": N_("Đăng ký"),
    "self_assessment": N_("Tự đánh giá"),
    "inspection": N_("Phường kiểm tra"),
    "council": N_("Hội đồng xét"),
    "decision": N_("Quyết định"),
}

ATTACHMENT_LABELS: dict[str, str] = {
    "registration_form": N_("Đơn đăng ký (Mẫu 01)"),
    "self_assessment": N_("Báo cáo tự đánh giá"),
    "meeting_minutes": N_("Biên bản họp bình xét"),
    "inspection_minutes": N_("Biên bản kiểm tra"),
    "council_minutes": N_("Biên bản họp Hội đồng"),
    "decision": N_("Quyết định công nhận"),
    "certificate": N_("Giấy công nhận"),
    "evidence": N_("Tài liệu minh chứng"),
}

VOTE_LABELS: dict[str, str] = {"approve": N_("Đồng ý"), "reject": N_("Không đồng ý"), "abstain": N_("Không biểu quyết")}
