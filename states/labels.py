"""Vietnamese labels for the workflow's vocabulary (shown on pages, the API's state_label, the diagram)."""

from states.enums import Role, State, Title, Trigger

STATE_LABELS: dict[State, str] = {
    State.DRAFT: "Bản nháp",
    State.REGISTERED: "Đã đăng ký",
    State.REGISTRATION_REJECTED: "Không chấp nhận đăng ký",
    State.SELF_ASSESSMENT: "Tự đánh giá tại tổ",
    State.PUBLIC_NOTICE: "Niêm yết công khai",
    State.WARD_INSPECTION: "Phường kiểm tra, đánh giá",
    State.COUNCIL_REVIEW: "Hội đồng TĐKT xét",
    State.AWAITING_DECISION: "Chờ Chủ tịch quyết định",
    State.RECOGNIZED: "Đã công nhận",
    State.NOT_RECOGNIZED: "Không công nhận",
    State.REVOKED: "Đã thu hồi danh hiệu",
    State.WITHDRAWN: "Đã rút hồ sơ",
}

TRIGGER_LABELS: dict[Trigger, str] = {
    Trigger.SUBMIT: "Nộp đăng ký",
    Trigger.ACCEPT: "Chấp nhận đăng ký",
    Trigger.REJECT_REGISTRATION: "Không chấp nhận đăng ký",
    Trigger.SUBMIT_ASSESSMENT: "Gửi kết quả bình xét lên phường",
    Trigger.CLOSE_NOTICE: "Kết thúc niêm yết",
    Trigger.RETURN_TO_GROUP: "Trả về tổ để bổ sung",
    Trigger.COMPLETE_INSPECTION: "Hoàn thành kiểm tra",
    Trigger.CLOSE_REVIEW: "Kết thúc xét của Hội đồng",
    Trigger.RECOGNIZE: "Quyết định công nhận",
    Trigger.REFUSE: "Không công nhận",
    Trigger.SEND_BACK: "Trả lại Hội đồng",
    Trigger.REVOKE: "Thu hồi danh hiệu",
    Trigger.WITHDRAW: "Rút hồ sơ",
}

ROLE_LABELS: dict[Role, str] = {
    Role.APPLICANT: "Người đăng ký",
    Role.GROUP_COMMITTEE: "Ban vận động TDP",
    Role.WARD_INSPECTOR: "Thành viên Ban chỉ đạo",
    Role.COUNCIL_MEMBER: "Thành viên Hội đồng TĐKT",
    Role.COUNCIL_SECRETARY: "Thư ký Hội đồng",
    Role.CHAIRMAN: "Chủ tịch UBND",
    Role.AUDITOR: "Kiểm tra, thanh tra",
    Role.ADMIN: "Quản trị",
}

TITLE_LABELS: dict[Title, str] = {
    Title.MODEL_CITIZEN: "Công dân kiểu mẫu",
    Title.MODEL_FAMILY: "Gia đình kiểu mẫu",
    Title.MODEL_GROUP: "Tổ dân phố kiểu mẫu",
    Title.MODEL_AGENCY: "Cơ quan, đơn vị kiểu mẫu",
}
