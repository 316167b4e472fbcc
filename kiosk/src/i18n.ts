// Every word the kiosk shows, in 正體中文 (the CA manual's own wording wherever it has one) and in
// English. Error texts come from the contract's catalogue; this module only adds what the user can
// do next. The English table must have exactly the keys of the Chinese one (the type says so).
import type { ActivationPath, ErrorCode, Language, Remedy, Screen } from '../../machines/contract/index.ts';
import { CA_MAIL_ADDRESS, CUSTOMER_SERVICE, errorTextFor, RET_CODE_3125 } from '../../machines/contract/errors.ts';

const zhTW = {
  org: '經濟部工商憑證管理中心',
  product: '工商憑證IC卡開卡',
  otherLanguage: 'English',
  otherLanguageTag: 'en',
  starting: '系統啟動中，請稍候...',
  disconnected: '與系統的連線中斷，正在重新連線...',
  busy: '系統處理中，請稍候...',
  progress: '作業進度',
  step: (index: number, of: number) => `步驟 ${index}／${of}`,
  stepDone: '已完成',
  stepCurrent: '目前步驟',
  paths: {
    'self-applied': '於工商憑證網站自行申請',
    'registration-bundled': '透過登記機關之公司或商業『設立/變更登記表』併案申請工商憑證',
  } satisfies Record<ActivationPath, string>,
  pathWho: {
    'self-applied': '您於本管理中心網站上傳申請資料，並將紙本用印申請書送件至申請機關審核。',
    'registration-bundled': '企業於設立登記或變更登記時，在登記表中勾選同時併案申請工商憑證。',
  } satisfies Record<ActivationPath, string>,
  pathNeeds: {
    'self-applied': '需輸入：申請時自行設定之用戶代碼',
    'registration-bundled': '需輸入：工商負責人身分證字號',
  } satisfies Record<ActivationPath, string>,
  buttons: {
    readCard: '讀取卡片資料',
    accept: '進行憑證接受',
    dataCorrectNext: '資料正確，下一步',
    closeTray: '關閉',
    setPin: '設定IC卡PIN碼',
    reset: '重新輸入',
    dispute: '資料有誤',
    yes: '是',
    no: '否',
    stillHere: '我還在，繼續作業',
    callStaff: '呼叫服務人員',
    cancel: '結束作業',
    retry: '再試一次',
    startOver: '重新開始',
    done: '完成',
    show: '顯示',
    switchPath: (path: string) => `改選：${path}`,
  },
  fields: {
    userCode: '用戶代碼',
    responsibleId: '工商負責人身分證字號',
    birthDate: '工商負責人出生年月日（民國）',
    birthYear: '民國年',
    birthYearName: '出生年（民國年）',
    birthMonth: '月',
    birthMonthName: '出生月',
    birthDay: '日',
    birthDayName: '出生日',
    email: '請輸入新聯絡人電子郵件',
    newUserCode: '重設用戶代碼',
    confirmUserCode: '確認用戶代碼',
    pin: '設定IC卡PIN碼',
    pinConfirm: '確認IC卡PIN碼',
    invalid: '請檢查此欄',
    showSecret: (label: string) => `顯示${label}`,
  },
  card: {
    cardNumber: 'IC卡卡號',
    holderName: '憑證用戶名稱',
    ubn: '統編',
    certSerial: '憑證序號',
    validity: '憑證有效期限',
    email: '憑證內電子郵件信箱',
  },
  keyboard: {
    name: '螢幕鍵盤',
    shift: '大寫',
    backspace: '刪除',
    symbols: '符號',
    letters: '英文',
    next: '下一欄',
  },
  countdown: {
    label: '剩餘時間',
    seconds: (n: number) => `${n} 秒`,
  },
  tray: {
    title: '示範卡片（僅供展示）',
    open: '示範卡片',
    insert: (label: string) => `插入：${label}`,
    remove: '取出卡片',
  },
  inputError: '輸入有誤',
  attemptsLeft: (n: number) => `尚可嘗試 ${n} 次，輸入錯誤次數過多將暫停自助開卡。`,
  customerService: '客服專線',
  customerServiceLines: [
    `當地電話七碼或八碼地區（含金門地區）請撥：${CUSTOMER_SERVICE.phone}`,
    `當地電話號碼六碼地區請撥：${CUSTOMER_SERVICE.phoneSixDigitArea}`,
    `外島（如馬祖、烏坵、東沙、綠島、蘭嶼等地區）及國內行動電話請撥：${CUSTOMER_SERVICE.phoneFromMobile}`,
    `國外地區請撥：${CUSTOMER_SERVICE.phoneFromAbroad}`,
  ],
  callIfSure: {
    'self-applied': `若您確認輸入的用戶代碼正確，為保障您個人資料使用安全，需請您來電工商憑證管理中心客服電話：${CUSTOMER_SERVICE.phone} 由專人幫您確認。`,
    'registration-bundled': `若您確認輸入的身分證字號及出生年月日正確，為保障您個人資料使用安全，需請您來電工商憑證管理中心客服電話：${CUSTOMER_SERVICE.phone} 由專人幫您確認。`,
  } satisfies Record<ActivationPath, string>,
  forTheCall: (code: string, cardNumber: string | undefined) =>
    `來電時請告知：錯誤代碼 ${code}${cardNumber === undefined ? '' : `、IC卡卡號 ${cardNumber}`}`,
  retCode3125: (cardNumber: string | undefined) =>
    `執行結果：卡片未完成開卡:${cardNumber ?? ''},RetCode=${RET_CODE_3125}\u3000回傳碼：Error:3125或${RET_CODE_3125}`,
  mailIn: {
    unlock: `請將IC卡交給櫃檯服務人員。此張憑證須寄回憑證管理中心進行解卡（${CA_MAIL_ADDRESS}），並於信中註明操作時之錯誤訊息、公司聯絡資訊（聯絡人姓名、電話、郵寄地址）；憑證管理中心完成解卡後將以掛號方式將憑證寄回。`,
    test: `請將IC卡交給櫃檯服務人員。若只有此張工商憑證無法讀取，須將憑證寄回憑證管理中心進行檢測（${CA_MAIL_ADDRESS}），並於信中註明操作時之錯誤訊息、公司聯絡人姓名、電話、郵寄地址；憑證管理中心完成檢測後將以掛號方式將憑證寄回。`,
  },
  notDetectedAgain: '已連續兩次未偵測到卡片，請不要再重新插入：請按〔呼叫服務人員〕，由櫃檯服務人員協助您。',
  remedies: {
    retry: '請按〔再試一次〕。如問題持續發生，請洽櫃檯服務人員。',
    reinsert: '請取出IC卡後重新插入。',
    correctInput: '請按〔重新輸入〕，更正您輸入的資料。',
    startOver: '請按〔重新開始〕，從頭進行開卡作業。',
    staff: '請按下方〔呼叫服務人員〕，由櫃檯服務人員協助您。',
    none: '此張IC卡無法在本機辦理，請取回您的IC卡。',
  } satisfies Record<Remedy, string>,
  whatNext: '接下來請您',
  remedyOtherPath: '請按〔改選〕按鈕，改以正確的方式啟用。',
  screens: {
    outOfService: { title: '本機暫停服務', body: '請洽櫃檯服務人員協助。' },
    insertCard: {
      title: '請插入待開卡之工商憑證IC卡',
      body: '請將IC卡晶片朝上，依箭頭方向插入讀卡機。',
    },
    readingCard: { title: '讀取卡片資料中', body: '請不要將IC卡取出，以免發生錯誤。' },
    choosePath: {
      title: '請選擇您取得工商憑證的方式',
      body: '啟用憑證前，請依照憑證取得方式，選取所對應之按鍵。',
    },
    enterUserCode: {
      title: '輸入用戶代碼',
      body: '請輸入當初申請工商憑證IC卡時，申請表上填寫的用戶代碼，再按〔讀取卡片資料〕。',
      hint: '用戶代碼是由您自行設定由6~10碼英數字或特殊符號組成，英文大小寫有別。',
    },
    enterResponsibleId: {
      title: '輸入工商負責人身分證字號',
      body: '請輸入工商負責人身分證字號，再按〔讀取卡片資料〕。',
      hint: '出生年月日請以民國年輸入，例如民國75年3月9日；若申請資料載有負責人出生年月日，須一併輸入。',
      idHint: '外籍負責人請輸入護照號碼等6至20碼英文字母或數字。',
    },
    idChecksumWarning: {
      title: '身分證字號有誤',
      body: '您所輸入之身分證字號不符合公式',
      idLabel: '身分證字號：',
      question: '確定輸入無誤？',
      hint: '按〔是〕繼續作業；按〔否〕重新輸入身分證字號。',
    },
    verifying: { title: '資料處理中，請稍候...', body: '正在核對您輸入的資料，請不要將IC卡取出。' },
    confirmCardData: {
      title: '確認憑證IC卡資料',
      body: '請確認下列憑證IC卡資料正確無誤後，按〔進行憑證接受〕。',
      bodyBundled: '請確認下列憑證IC卡資料正確無誤後，按〔資料正確，下一步〕，再輸入聯絡人電子信箱及設定用戶代碼，即可進行憑證接受。',
      hint: '若資料不正確，請暫停後續啟用憑證，按〔資料有誤〕並洽服務人員協助。',
    },
    enterContact: {
      title: '輸入電子郵件及設定用戶代碼',
      body: '請輸入下列資料（皆為必填），並熟記及妥善保管新設的用戶代碼。',
      hint: '說明：用戶代碼建議為6~10碼英文字母、數字及特殊符號組成。',
      note: '用戶代碼將使用於鎖卡解碼、遺忘PIN碼、憑證IC卡暫時停用、憑證IC卡恢復使用等線上申辦事項，請務必牢記。',
    },
    accepting: { title: '系統處理中，請稍候...', body: '正在進行憑證接受，請不要將IC卡取出。' },
    enterPin: {
      title: '設定IC卡PIN碼',
      accepted: '您已完成憑證接受。',
      body: '請輸入新設定之卡片PIN碼後，按下〔設定IC卡PIN碼〕按鈕，進行重新設定卡片PIN碼作業。',
      hint: '請設定憑證IC卡的PIN碼，並熟記及妥善保管PIN碼（說明：IC卡的PIN碼限6~8碼英文字母、數字及特殊符號）。',
    },
    settingPin: { title: '資料處理中，請稍候...', body: '正在設定IC卡PIN碼，請不要將IC卡取出。' },
    activated: {
      title: '恭喜您已完成開卡作業',
      body: '請牢記您所設定之PIN碼，您現在已可至任何一項應用系統輸入PIN碼進行登入及操作。',
      hint: '請記得取回您的IC卡。',
    },
    cardRemoved: {
      title: 'IC卡已取出',
      body: '請重新插入同一張IC卡以繼續作業。',
      hint: '時間結束時，本次作業將結束並清除已輸入的資料。',
    },
    stillThere: {
      title: '您還在嗎？',
      body: '為保護您的資料，如無回應，本次作業將於時間結束時自動結束並清除畫面。',
    },
    failed: { title: '無法完成開卡', body: '' },
    staffAssist: { title: '請稍候，服務人員將協助您', body: '服務人員已收到通知，請留在原地。' },
  } satisfies Record<Screen, { title: string; body: string; [more: string]: string }>,
};

export type Strings = typeof zhTW;

const en: Strings = {
  org: 'MOEACA — Certificate Authority of the Ministry of Economic Affairs',
  product: 'Business certificate IC card activation',
  otherLanguage: '中文',
  otherLanguageTag: 'zh-TW',
  starting: 'The system is starting, please wait…',
  disconnected: 'Connection to the system lost. Reconnecting…',
  busy: 'Processing, please wait…',
  progress: 'Progress',
  step: (index: number, of: number) => `Step ${index} of ${of}`,
  stepDone: 'done',
  stepCurrent: 'current step',
  paths: {
    'self-applied': 'Applied for on the MOEACA website',
    'registration-bundled': 'Applied for together with a company or business registration form',
  },
  pathWho: {
    'self-applied': 'You uploaded your application on the MOEACA website and sent the stamped paper form.',
    'registration-bundled':
      'Your business ticked "apply for a business certificate" on its establishment or change registration form.',
  },
  pathNeeds: {
    'self-applied': 'You will need: the user code you chose when applying',
    'registration-bundled': "You will need: the responsible person's national ID number",
  },
  buttons: {
    readCard: 'Read card data',
    accept: 'Accept certificate',
    dataCorrectNext: 'Data is correct: next',
    closeTray: 'Close',
    setPin: 'Set card PIN',
    reset: 'Re-enter',
    dispute: 'Data is wrong',
    yes: 'Yes',
    no: 'No',
    stillHere: "I'm still here",
    callStaff: 'Call staff',
    cancel: 'End session',
    retry: 'Try again',
    startOver: 'Start again',
    done: 'Done',
    show: 'Show',
    switchPath: (path: string) => `Switch to: ${path}`,
  },
  fields: {
    userCode: 'User code',
    responsibleId: "Responsible person's national ID",
    birthDate: "Responsible person's date of birth (ROC calendar)",
    birthYear: 'ROC year',
    birthYearName: 'Birth year (ROC year)',
    birthMonth: 'Month',
    birthMonthName: 'Birth month',
    birthDay: 'Day',
    birthDayName: 'Birth day',
    email: 'New contact e-mail',
    newUserCode: 'New user code',
    confirmUserCode: 'Confirm user code',
    pin: 'New card PIN',
    pinConfirm: 'Confirm card PIN',
    invalid: 'Check this field',
    showSecret: (label: string) => `Show ${label.toLowerCase()}`,
  },
  card: {
    cardNumber: 'Card number',
    holderName: 'Certificate holder',
    ubn: 'Business ID (UBN)',
    certSerial: 'Certificate serial',
    validity: 'Valid',
    email: 'E-mail in the certificate',
  },
  keyboard: {
    name: 'On-screen keyboard',
    shift: 'Shift',
    backspace: 'Delete',
    symbols: 'Symbols',
    letters: 'Letters',
    next: 'Next',
  },
  countdown: {
    label: 'Time left',
    seconds: (n: number) => `${n} s`,
  },
  tray: {
    title: 'Demo cards (demonstration only)',
    open: 'Demo cards',
    insert: (label: string) => `Insert: ${label}`,
    remove: 'Remove card',
  },
  inputError: 'Please check',
  attemptsLeft: (n: number) =>
    `${n} ${n === 1 ? 'attempt' : 'attempts'} left; too many wrong attempts lock self-service activation.`,
  customerService: 'Customer service',
  customerServiceLines: [
    `From a local line of seven or eight digits (Kinmen included): ${CUSTOMER_SERVICE.phone}`,
    `Where local numbers have six digits: ${CUSTOMER_SERVICE.phoneSixDigitArea}`,
    `From the outlying islands (Matsu, Wuqiu, Dongsha, Green Island, Orchid Island…) and mobile phones: ${CUSTOMER_SERVICE.phoneFromMobile}`,
    `From abroad: ${CUSTOMER_SERVICE.phoneFromAbroad}`,
  ],
  callIfSure: {
    'self-applied': `If you are sure the user code is right, please call the MOEACA customer service on ${CUSTOMER_SERVICE.phone}: to protect your personal data, a staff member will check it with you.`,
    'registration-bundled': `If you are sure the ID number and date of birth are right, please call the MOEACA customer service on ${CUSTOMER_SERVICE.phone}: to protect your personal data, a staff member will check them with you.`,
  },
  forTheCall: (code: string, cardNumber: string | undefined) =>
    `When you call, please give: error code ${code}${cardNumber === undefined ? '' : `, card number ${cardNumber}`}`,
  retCode3125: (cardNumber: string | undefined) =>
    `Result: card not activated:${cardNumber ?? ''},RetCode=${RET_CODE_3125}  Return code: Error:3125 or ${RET_CODE_3125}`,
  mailIn: {
    unlock: `Please hand the card to the counter staff. It must be sent to the CA to be unlocked (${CA_MAIL_ADDRESS}) with the error message and the company's contact (name, phone, postal address); the CA returns it by registered mail once unlocked.`,
    test: `Please hand the card to the counter staff. If only this business certificate card cannot be read, it must be sent to the CA to be tested (${CA_MAIL_ADDRESS}) with the error message and the company's contact (name, phone, postal address); the CA returns it by registered mail once tested.`,
  },
  notDetectedAgain: 'No card was detected twice in a row. Please do not insert it again: press "Call staff" and the counter staff will help you.',
  remedies: {
    retry: 'Press "Try again". If it keeps happening, please ask the counter staff.',
    reinsert: 'Take the card out and insert it again.',
    correctInput: 'Press "Re-enter" and correct what you typed.',
    startOver: 'Press "Start again" to begin the activation from the start.',
    staff: 'Press "Call staff" below: the counter staff will help you.',
    none: 'This card cannot be handled at this kiosk. Please take your card back.',
  },
  whatNext: 'What to do next',
  remedyOtherPath: 'Press the "Switch to" button to activate the card the way it was issued.',
  screens: {
    outOfService: { title: 'This kiosk is out of service', body: 'Please ask the counter staff for help.' },
    insertCard: {
      title: 'Please insert the business certificate IC card to activate',
      body: 'Chip facing up, push the card into the reader in the direction of the arrow.',
    },
    readingCard: { title: 'Reading the card', body: 'Please do not take the card out.' },
    choosePath: {
      title: 'How was your certificate issued?',
      body: 'Choose the button that matches how you obtained the certificate.',
    },
    enterUserCode: {
      title: 'Enter your user code',
      body: 'Enter the user code you wrote on your application form, then press "Read card data".',
      hint: 'The user code is 6–10 letters, digits or symbols that you chose; upper and lower case differ.',
    },
    enterResponsibleId: {
      title: "Enter the responsible person's national ID",
      body: 'Enter the responsible person\'s national ID number, then press "Read card data".',
      hint: 'Give the date of birth in the ROC calendar: ROC year = Western year − 1911 (e.g. 75 for 1986). If the application recorded it, it is required.',
      idHint: 'A foreign responsible person enters their passport or other number: 6 to 20 letters or digits.',
    },
    idChecksumWarning: {
      title: 'Please check the ID number',
      body: 'The ID number you entered does not match the checksum formula.',
      idLabel: 'ID number: ',
      question: 'Are you sure it is correct?',
      hint: 'Press "Yes" to continue, or "No" to enter the ID number again.',
    },
    verifying: { title: 'Checking, please wait…', body: 'Checking what you entered. Please do not take the card out.' },
    confirmCardData: {
      title: 'Check the card data',
      body: 'Check that the data below is correct, then press "Accept certificate".',
      bodyBundled: 'Check that the data below is correct, then press "Data is correct: next" to enter a contact e-mail and set a user code; the acceptance comes after that.',
      hint: 'If anything is wrong, stop here: press "Data is wrong" and the staff will help you.',
    },
    enterContact: {
      title: 'Enter an e-mail and set a user code',
      body: 'All fields are required. Remember the new user code and keep it safe.',
      hint: 'The user code should be 6–10 letters, digits or symbols.',
      note: 'You will need the user code to unlock a locked card, for a forgotten PIN, and to suspend or resume the certificate.',
    },
    accepting: { title: 'Processing, please wait…', body: 'Accepting your certificate. Please do not take the card out.' },
    enterPin: {
      title: 'Set the card PIN',
      accepted: 'You have accepted the certificate.',
      body: 'Enter the new card PIN twice, then press "Set card PIN".',
      hint: 'The PIN is 6–8 letters, digits or symbols. Remember it and keep it safe.',
    },
    settingPin: { title: 'Processing, please wait…', body: 'Setting the card PIN. Please do not take the card out.' },
    activated: {
      title: 'Your card is activated',
      body: 'Remember the PIN you set: you can now sign in to any application with the card and its PIN.',
      hint: 'Please take your card with you.',
    },
    cardRemoved: {
      title: 'The card was taken out',
      body: 'Insert the same card again to continue.',
      hint: 'When the time runs out, this session ends and what you entered is cleared.',
    },
    stillThere: {
      title: 'Are you still there?',
      body: 'To protect your data, the session ends and the screen is cleared when the time runs out.',
    },
    failed: { title: 'The activation could not be completed', body: '' },
    staffAssist: { title: 'Please wait: a staff member will help you', body: 'The staff have been told. Please stay here.' },
  },
};

const tables: Record<Language, Strings> = { 'zh-TW': zhTW, en };

export function strings(lang: Language): Strings {
  return tables[lang];
}

/** The catalogue's text for an error code, in the view's language (and path B's wording where it has one). */
export function errorText(code: ErrorCode, lang: Language, path?: ActivationPath): string {
  return errorTextFor(code, lang, path);
}
