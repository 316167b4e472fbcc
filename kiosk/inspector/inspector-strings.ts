// The words of the inspector, in 正體中文. State names, events, guards and tags stay as the
// machine names them: they are what a developer or support engineer searches the code for.
export const inspectorStrings = {
  title: '開卡流程狀態圖即時檢視',
  kiosk: '機台',
  noKiosks: '（尚未找到機台）',
  rediscover: '重新搜尋',
  chart: '狀態圖',
  active: '目前狀態',
  previous: '前一狀態',
  activeFrom: (source: 'view' | 'snapshot', detail: string) =>
    source === 'view' ? `依據畫面資料（view ${detail}）` : `依據狀態快照（inspect ${detail}）`,
  noActive: '尚無目前狀態',
  noMachine: '尚未取得狀態機結構。',
  screen: '畫面',
  invokes: '執行',
  transitions: '可離開的轉移',
  transitionsOf: (path: string) => `${path} 的轉移`,
  transitionsHint: '點選狀態圖中的狀態名稱，可查看該狀態的轉移。',
  inherited: (path: string) => `由上層 ${path} 繼承`,
  own: '此狀態本身',
  columns: { event: '事件', guard: '條件', target: '目標' },
  internal: '（留在原狀態）',
  showActive: '回到目前狀態',
  log: '事件紀錄',
  logHint: (limit: number) => `最新的在最上方，保留最近 ${limit} 筆`,
  logFilter: '顯示的紀錄種類',
  logEmpty: '尚無事件。',
  kinds: { event: '事件', snapshot: '狀態', actor: 'actor', view: '畫面' },
  view: '目前畫面資料（View）',
  noView: '尚未收到畫面資料。',
  stats: '引擎計數',
  statsAt: (time: string) => `更新於 ${time}`,
  noStats: '尚未取得引擎計數。',
  statNames: {
    accepted: '已接受事件',
    ignored: '忽略（此狀態不接受）',
    rejected: '格式不符而拒收',
    viewsPublished: '已發布畫面',
    snapshotsPersisted: '已保存快照',
    persistFailures: '快照保存失敗',
    restoredFromSnapshot: '啟動時由快照恢復',
  } as Record<string, string>,
  yes: '是',
  no: '否',
  connection: {
    offline: '未連線',
    connecting: '連線中…',
    connected: '已連線',
    disconnected: '連線中斷，重新連線中…',
  },
  requestFailed: (what: string) => `無法取得${what}`,
  machineDescription: '狀態機結構',
  graph: '流程圖',
  graphLabel: '狀態機流程圖：拖曳可移動，滾輪或＋－可縮放',
  boxes: '巢狀方框圖',
  zoomIn: '放大',
  zoomOut: '縮小',
  follow: '跟隨目前狀態',
  trace: '操作紀錄',
  traceSteps: (count: number) => `已記錄 ${count} 步`,
  exportTrace: '匯出紀錄（JSON）',
  loadTrace: '載入紀錄',
  traceBack: '上一步',
  traceForward: '下一步',
  traceAt: (index: number, count: number, event: string) => `第 ${index} / ${count} 步：${event}`,
  traceLive: '回到即時',
  traceInvalid: '無法讀取此紀錄檔。',
};

const clock = new Intl.DateTimeFormat('zh-TW', {
  timeZone: 'Asia/Taipei',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  fractionalSecondDigits: 3,
  hourCycle: 'h23',
});

/** '14:03:07.125', Taipei time. */
export function formatClock(value: string | number): string {
  const time = typeof value === 'number' ? value : Date.parse(value);
  return Number.isNaN(time) ? String(value) : clock.format(time);
}
