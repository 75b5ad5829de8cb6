// SPDX-License-Identifier: GPL-3.0
/*
    Copyright 2021 0KIMS association.

    This file is generated with [snarkJS](https://github.com/iden3/snarkjs).

    snarkJS is a free software: you can redistribute it and/or modify it
    under the terms of the GNU General Public License as published by
    the Free Software Foundation, either version 3 of the License, or
    (at your option) any later version.

    snarkJS is distributed in the hope that it will be useful, but WITHOUT
    ANY WARRANTY; without even the implied warranty of MERCHANTABILITY
    or FITNESS FOR A PARTICULAR PURPOSE. See the GNU General Public
    License for more details.

    You should have received a copy of the GNU General Public License
    along with snarkJS. If not, see <https://www.gnu.org/licenses/>.
*/

pragma solidity >=0.7.0 <0.9.0;

contract BatchVerifier {
    // Scalar field size
    uint256 constant r    = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    // Base field size
    uint256 constant q   = 21888242871839275222246405745257275088696311157297823662689037894645226208583;

    // Verification Key data
    uint256 constant alphax  = 4967621072854673180443551385724349938614220762303697142191401487302326322250;
    uint256 constant alphay  = 17317141503742156494240659485394874758611701923278788222277386770548415093544;
    uint256 constant betax1  = 6729547525186597807147656035024339885580859722447078603701347098028746431638;
    uint256 constant betax2  = 6655299249317164975986982602846178923500153591749469949871370978933957248115;
    uint256 constant betay1  = 3247485709864471151452175030026408360891914182528017973992555667969195198401;
    uint256 constant betay2  = 12852354415719700803400257055297398256786752589615810293927423756036827779405;
    uint256 constant gammax1 = 11559732032986387107991004021392285783925812861821192530917403151452391805634;
    uint256 constant gammax2 = 10857046999023057135944570762232829481370756359578518086990519993285655852781;
    uint256 constant gammay1 = 4082367875863433681332203403145435568316851327593401208105741076214120093531;
    uint256 constant gammay2 = 8495653923123431417604973247489272438418190587263600148770280649306958101930;
    uint256 constant deltax1 = 6991765340020075029171916020919971780673181263654900486040170552613409192904;
    uint256 constant deltax2 = 4004544986939905975874688335850434027264903831451026184358491612425022612611;
    uint256 constant deltay1 = 4082280230082847329982746045517381931616585417365489028132978198919817710033;
    uint256 constant deltay2 = 830634801622889504412438673955973236923754260340450828460176265975453964040;

    
    uint256 constant IC0x = 18341622211545002048331553147299599298697895636247968473927358033831158529293;
    uint256 constant IC0y = 16806912993475318199281600549045916989850609099650657942531258773813315128962;
    
    uint256 constant IC1x = 11435024815043474435982707016413449119741102781591976083452607078204378631969;
    uint256 constant IC1y = 12795037570236472493561494602107895588469685161093285641174542953328414821531;
    
    uint256 constant IC2x = 21606153443233637692876180045698948436080456911203985877560516300692759503035;
    uint256 constant IC2y = 18129362144811492048462374260461014528676078008144801644900720152455121479988;
    
    uint256 constant IC3x = 14123598980504182888787298434042612360205339132007099167820359196533777769830;
    uint256 constant IC3y = 194588652777361211100355997113668278415158661585395829069628821857792080361;
    
    uint256 constant IC4x = 13534413982394897697340849359488616537799809291124041604416243932606993292114;
    uint256 constant IC4y = 5005500157837376413200338968513226172908990854928398783931630186570603213895;
    
    uint256 constant IC5x = 4268813036237443522767995781090234290817677203352618420949262609206027820349;
    uint256 constant IC5y = 3828863110960295592832903500153690650256511168204059389696504675398603759232;
    
    uint256 constant IC6x = 13639474793398168004399669882008934464329313139654687334952504955041512817927;
    uint256 constant IC6y = 8097937260732756699336039013147051862407104382312427505988970980220591655027;
    
    uint256 constant IC7x = 6246781361806707404977043220080315133468744784911422759029706398531818368896;
    uint256 constant IC7y = 20467380585791771880107893531226590062814441825279644487932922535842096467566;
    
    uint256 constant IC8x = 17121824731409183265337160355525525713687946843677297229147177705515068605538;
    uint256 constant IC8y = 3879378025351566536704961273874881059643098267395194973493706194836253302564;
    
    uint256 constant IC9x = 2839004985943086354170142749679280322183792833977605585716474800007461654309;
    uint256 constant IC9y = 6771708849081124335381626235181968067487176947804784144564437257501872185104;
    
    uint256 constant IC10x = 16772981497794861064946869110735767499842393720962158198533749673919804393251;
    uint256 constant IC10y = 569715596912799194579601413357813527723368853483147045726195376730680927570;
    
    uint256 constant IC11x = 8354784112543869717208987462193060994873354118421562638679805146133475349875;
    uint256 constant IC11y = 20925180613610250710516818370711062199336344986295521016224256877339246315462;
    
    uint256 constant IC12x = 17916637761804325003657491616616715192537076094515274490366554175149547805581;
    uint256 constant IC12y = 6038465188330940700695927565485548860366931228404467229588930158735129952037;
    
    uint256 constant IC13x = 4903782034752462442920757563748171483328016229574057989230384073894505503559;
    uint256 constant IC13y = 21698001498834746897320988976635565505183290898817312750009299526345179677273;
    
    uint256 constant IC14x = 20800421892421342257487566004526855310859967509523000100087962629669854181635;
    uint256 constant IC14y = 7722340123602020507263308701408107921841919426993609856497543011842602417905;
    
    uint256 constant IC15x = 12445400845657508324917858289084507986455917386296044815005785514064407032891;
    uint256 constant IC15y = 5173923235365926204310468184723064583031806071034025280168913108649832590022;
    
    uint256 constant IC16x = 2461666053083424694583757226287489231248325613184177457432040971827743840581;
    uint256 constant IC16y = 18072097796395781193102749247278185965082559380878309646342664665050186933537;
    
    uint256 constant IC17x = 17231663193483969517517687772196840159899125977374034812488577648115143188019;
    uint256 constant IC17y = 16321272484400150895249708631319011782775013910039435693945087240313348696367;
    
    uint256 constant IC18x = 9556511167132273205135575785300754567875050422737706025237261260888636752703;
    uint256 constant IC18y = 7422380072963351463339454461615310974818834058810343050559612153822811503985;
    
    uint256 constant IC19x = 18383035132401955698627069255187635773613050490462947556135874069950394034829;
    uint256 constant IC19y = 17023517539032337659917316723066851165144621810372958924395794371494477335435;
    
    uint256 constant IC20x = 15748352017709563805457888835684101451078865122557659642780954273234703664639;
    uint256 constant IC20y = 6855089067430329181820887912099283960279362580629527640055405706143282933444;
    
    uint256 constant IC21x = 2187977388131262687236572543483244050587292465822331734841109558909978146131;
    uint256 constant IC21y = 9533285683691790415224685260392923449072753954911408602413970136822298108309;
    
    uint256 constant IC22x = 13962023987576494136590515153815249142634718276108276287369277521948166921749;
    uint256 constant IC22y = 3215529474020019385581678302367473302909175435649134392828531486230307915861;
    
    uint256 constant IC23x = 11470603148214735241302845122808786438375250031005955376810069681151893778528;
    uint256 constant IC23y = 19147086348281514712131315746389286384737479692055564063002115069473524392445;
    
    uint256 constant IC24x = 17983007804330013493858482796851126343570464217902851725443659741686615304267;
    uint256 constant IC24y = 7777197214771806715309194541138214449957674313197626729584144935047801548991;
    
    uint256 constant IC25x = 266214954787021538598221678316644238111778037918659236631269268596197433431;
    uint256 constant IC25y = 3182572388295065492453793767877390382982841237828929028154393806774280885440;
    
    uint256 constant IC26x = 15463917204355616092417264320184882137077889906232335473129903671765006189964;
    uint256 constant IC26y = 12283150294166366589735828321254773477899977084025424009656292958119777689375;
    
    uint256 constant IC27x = 3851482770077927541927864939008050335189598431685591367895513180728046604759;
    uint256 constant IC27y = 16449144794589224852853730233421270053677211725331585386664342664197773306515;
    
    uint256 constant IC28x = 18683960984876833961384762366902835265207907178693740902337025739119621218745;
    uint256 constant IC28y = 7050434361780161137334020258484714480596782895110298883864295088285199941376;
    
    uint256 constant IC29x = 19732705420984170899884722313972642280808185143539415515948080327454113059487;
    uint256 constant IC29y = 11780833741186800146146864247997318680417705890790391845857962778330588607810;
    
    uint256 constant IC30x = 20040713122553596691198715807986122243802904055331475750256177041624499340165;
    uint256 constant IC30y = 15725390222269932605468828495316643244292528716971170322403794808934826876243;
    
    uint256 constant IC31x = 12719012618545098218605093688809176476066511064421018532978723563017718084688;
    uint256 constant IC31y = 6412578575611331961199698843002321229269895300015892043230776808381884169249;
    
    uint256 constant IC32x = 6023034235625289731011128394560715904101992301485841653657695683166147306190;
    uint256 constant IC32y = 5886825531676865066474688541591916743882313602615473293648144668661165124649;
    
    uint256 constant IC33x = 6112233657923786038219107145075151896117323425674586005372050596472807744504;
    uint256 constant IC33y = 4693628107223584544250238707787960210854604357301201254895115791525749673554;
    
    uint256 constant IC34x = 12177177638087449019111747651929482680977772067911327362144539889704429718965;
    uint256 constant IC34y = 11449875568072122144589838328535939855000484130009063105273460923050236600843;
    
    uint256 constant IC35x = 2969185741466494117478193099991208560008917627771596394552380634795666342688;
    uint256 constant IC35y = 15416860970746286862192981467050081323743428275957627418560437886928786082982;
    
    uint256 constant IC36x = 7919896994651751962023818922531940425357521858492951279987547434486992193650;
    uint256 constant IC36y = 17297935220086826367818794197975209212220240933407015136798380705777257348069;
    
    uint256 constant IC37x = 18370925377051654203743687043462993002960608332252337931601844009117936700830;
    uint256 constant IC37y = 8363977402454414625601325721283416975654109765610124664269570704140491966065;
    
    uint256 constant IC38x = 4127513165659431090653370010166441879504469578817939012789599823668280300343;
    uint256 constant IC38y = 11740184484404077857933839297871053497816714118973361794297705932408458052568;
    
    uint256 constant IC39x = 21326885291903472493093129639107369270806470497750774714904150446013357474927;
    uint256 constant IC39y = 20576881133779231490890026125393496545543013183005027203023393871305144352756;
    
    uint256 constant IC40x = 16050366630995099436087985857783322045175146936155960393671321173024254525622;
    uint256 constant IC40y = 831992773350782895282119820778807868275763932262889600390472847795144613162;
    
    uint256 constant IC41x = 17838713763195844434648853022650575543224153104013598044972493487510173518394;
    uint256 constant IC41y = 170921687607734583535583224895881973923775079773070951482088167610494726615;
    
    uint256 constant IC42x = 14908075124530853085664292110822405429237868072779123229694475027463973030829;
    uint256 constant IC42y = 14831677687091663336752383773169483157141433753294319363430309667204016935806;
    
    uint256 constant IC43x = 4070053150257456165277554080648377496047688153107027514033610679919781845449;
    uint256 constant IC43y = 8484502421749327174358524725467433241391013063992357790672161172117150438831;
    
    uint256 constant IC44x = 1441638072025245768643871536816545483553043159988622109614088635420597379578;
    uint256 constant IC44y = 6747627071253036134365717047610423500066168992960414404041546731868024960526;
    
    uint256 constant IC45x = 6588279347394593761245960946212196977510385721891659496871555063375510537887;
    uint256 constant IC45y = 11647684980722417413111572225986112452810270791953607460176388806535823878725;
    
    uint256 constant IC46x = 10596058005102421376747685131274209012811284140844295583865741022241582385381;
    uint256 constant IC46y = 6875755173802759283176842234676398461711550053384711195988114273209574074419;
    
    uint256 constant IC47x = 9015699944360195081096272419477278804170497439894679268644069069330137911119;
    uint256 constant IC47y = 15872819432285444319015321373287695258142772057697409526632698533479795025691;
    
    uint256 constant IC48x = 10949167506117077970735034330500688944239270241402981163338371082337993282666;
    uint256 constant IC48y = 9214950052656414492206027915372631603262939964372068513961897386477366759436;
    
    uint256 constant IC49x = 12748126634947042430717367819984741818351170237431439479202450081894121119114;
    uint256 constant IC49y = 9046766518116146129092997039160405845253356448888550608208631768087164012306;
    
    uint256 constant IC50x = 571254313257495676347249600136136426125860272509086261701797552496987805634;
    uint256 constant IC50y = 1815977914006191637226481189168689458940697554720808418531960610317630272051;
    
    uint256 constant IC51x = 15381195819336362047262388906515868275689972072753687154084801280559822265121;
    uint256 constant IC51y = 7902040712839986306440957709830692165429561286794326379515792759575039141476;
    
    uint256 constant IC52x = 697105393620468007679335904151778016578405666586792460767938702079039732064;
    uint256 constant IC52y = 8676865032531552515082222786111126423392215239921797579675703560311414983225;
    
    uint256 constant IC53x = 3809211157527789040155247801364473237739926529199896127536199797473246190154;
    uint256 constant IC53y = 5412997562770622611023391332455474862819552969783276325427347206294018007241;
    
    uint256 constant IC54x = 15529743953223382865725943253204386387183974222645393080429350702172965196405;
    uint256 constant IC54y = 12792157976395339502891366554603562011604628412652856898192194375275064012195;
    
    uint256 constant IC55x = 10178269388007414428900714882083825086471891837136087600791211851073355708280;
    uint256 constant IC55y = 16087160542485081565998286219300433514889883286987965504248415751716035724213;
    
    uint256 constant IC56x = 6255681589439471088944456192991060407476285171472575380829702092138254756892;
    uint256 constant IC56y = 3613216008406798339047802703141779037910425300067893075740089877226509920440;
    
    uint256 constant IC57x = 18278179934784110158702228343670929789966012101789080810021587183337878110095;
    uint256 constant IC57y = 14911523732463533777179443070926336789656660769296615976263203113677223067993;
    
    uint256 constant IC58x = 18827803777601319579055224885883267064299010506477150215143029113138534473348;
    uint256 constant IC58y = 18984067287038623433252085291790891939447474588724990103478067192879374298268;
    
    uint256 constant IC59x = 12982515914751728128519033584582933484382743520657815439789019965525801292744;
    uint256 constant IC59y = 12718869549202384067233894959309369595581035641863708259570414436415495666862;
    
    uint256 constant IC60x = 5923862199482770502008806092718293702705048097502560094722699188239071189913;
    uint256 constant IC60y = 6893688419784283718291909041457827835978271155000052317752479807031178388205;
    
    uint256 constant IC61x = 7714650776590479884614756393339594363295748864240683570945712204215856432087;
    uint256 constant IC61y = 13693080540622695975246943829323870667093702938725456756153721315892661648735;
    
    uint256 constant IC62x = 12173291631969348002052215245007663245711881473271383933207553805435937464130;
    uint256 constant IC62y = 14509901405021529470651321323000182479528480149049703496175342317655172386680;
    
    uint256 constant IC63x = 16900712004811134503346676090641720402124019531275323481645044274750181221879;
    uint256 constant IC63y = 17155371789140030109888552385910427743436777023082170993629044245656647103845;
    
    uint256 constant IC64x = 7660941039942237202158486747579843846762482192550845964756115284030681506585;
    uint256 constant IC64y = 21833204430112566172265225476476391469300755174599726256669442794957926637961;
    
    uint256 constant IC65x = 258811705972882722230752186170218262136562093617915606293920721405797944675;
    uint256 constant IC65y = 5301854497955020726117111613551914028908651240956065270999330628859628066910;
    
    uint256 constant IC66x = 8528361227093388443475545884630323879852812546763781842600338185496214401004;
    uint256 constant IC66y = 7000830371849268679202235408530831632156610651442911047458529589783080690896;
    
    uint256 constant IC67x = 20799020870868179546677092074471770182670711893798568391165915540533261185987;
    uint256 constant IC67y = 6254361255665558075835497599415746510057669942839793358610845228149190980108;
    
 
    // Memory data
    uint16 constant pVk = 0;
    uint16 constant pPairing = 128;

    uint16 constant pLastMem = 896;

    function verifyProof(uint[2] calldata _pA, uint[2][2] calldata _pB, uint[2] calldata _pC, uint[67] calldata _pubSignals) public view returns (bool) {
        assembly {
            function checkField(v) {
                if iszero(lt(v, r)) {
                    mstore(0, 0)
                    return(0, 0x20)
                }
            }
            
            // G1 function to multiply a G1 value(x,y) to value in an address
            function g1_mulAccC(pR, x, y, s) {
                let success
                let mIn := mload(0x40)
                mstore(mIn, x)
                mstore(add(mIn, 32), y)
                mstore(add(mIn, 64), s)

                success := staticcall(sub(gas(), 2000), 7, mIn, 96, mIn, 64)

                if iszero(success) {
                    mstore(0, 0)
                    return(0, 0x20)
                }

                mstore(add(mIn, 64), mload(pR))
                mstore(add(mIn, 96), mload(add(pR, 32)))

                success := staticcall(sub(gas(), 2000), 6, mIn, 128, pR, 64)

                if iszero(success) {
                    mstore(0, 0)
                    return(0, 0x20)
                }
            }

            function checkPairing(pA, pB, pC, pubSignals, pMem) -> isOk {
                let _pPairing := add(pMem, pPairing)
                let _pVk := add(pMem, pVk)

                mstore(_pVk, IC0x)
                mstore(add(_pVk, 32), IC0y)

                // Compute the linear combination vk_x
                
                g1_mulAccC(_pVk, IC1x, IC1y, calldataload(add(pubSignals, 0)))
                
                g1_mulAccC(_pVk, IC2x, IC2y, calldataload(add(pubSignals, 32)))
                
                g1_mulAccC(_pVk, IC3x, IC3y, calldataload(add(pubSignals, 64)))
                
                g1_mulAccC(_pVk, IC4x, IC4y, calldataload(add(pubSignals, 96)))
                
                g1_mulAccC(_pVk, IC5x, IC5y, calldataload(add(pubSignals, 128)))
                
                g1_mulAccC(_pVk, IC6x, IC6y, calldataload(add(pubSignals, 160)))
                
                g1_mulAccC(_pVk, IC7x, IC7y, calldataload(add(pubSignals, 192)))
                
                g1_mulAccC(_pVk, IC8x, IC8y, calldataload(add(pubSignals, 224)))
                
                g1_mulAccC(_pVk, IC9x, IC9y, calldataload(add(pubSignals, 256)))
                
                g1_mulAccC(_pVk, IC10x, IC10y, calldataload(add(pubSignals, 288)))
                
                g1_mulAccC(_pVk, IC11x, IC11y, calldataload(add(pubSignals, 320)))
                
                g1_mulAccC(_pVk, IC12x, IC12y, calldataload(add(pubSignals, 352)))
                
                g1_mulAccC(_pVk, IC13x, IC13y, calldataload(add(pubSignals, 384)))
                
                g1_mulAccC(_pVk, IC14x, IC14y, calldataload(add(pubSignals, 416)))
                
                g1_mulAccC(_pVk, IC15x, IC15y, calldataload(add(pubSignals, 448)))
                
                g1_mulAccC(_pVk, IC16x, IC16y, calldataload(add(pubSignals, 480)))
                
                g1_mulAccC(_pVk, IC17x, IC17y, calldataload(add(pubSignals, 512)))
                
                g1_mulAccC(_pVk, IC18x, IC18y, calldataload(add(pubSignals, 544)))
                
                g1_mulAccC(_pVk, IC19x, IC19y, calldataload(add(pubSignals, 576)))
                
                g1_mulAccC(_pVk, IC20x, IC20y, calldataload(add(pubSignals, 608)))
                
                g1_mulAccC(_pVk, IC21x, IC21y, calldataload(add(pubSignals, 640)))
                
                g1_mulAccC(_pVk, IC22x, IC22y, calldataload(add(pubSignals, 672)))
                
                g1_mulAccC(_pVk, IC23x, IC23y, calldataload(add(pubSignals, 704)))
                
                g1_mulAccC(_pVk, IC24x, IC24y, calldataload(add(pubSignals, 736)))
                
                g1_mulAccC(_pVk, IC25x, IC25y, calldataload(add(pubSignals, 768)))
                
                g1_mulAccC(_pVk, IC26x, IC26y, calldataload(add(pubSignals, 800)))
                
                g1_mulAccC(_pVk, IC27x, IC27y, calldataload(add(pubSignals, 832)))
                
                g1_mulAccC(_pVk, IC28x, IC28y, calldataload(add(pubSignals, 864)))
                
                g1_mulAccC(_pVk, IC29x, IC29y, calldataload(add(pubSignals, 896)))
                
                g1_mulAccC(_pVk, IC30x, IC30y, calldataload(add(pubSignals, 928)))
                
                g1_mulAccC(_pVk, IC31x, IC31y, calldataload(add(pubSignals, 960)))
                
                g1_mulAccC(_pVk, IC32x, IC32y, calldataload(add(pubSignals, 992)))
                
                g1_mulAccC(_pVk, IC33x, IC33y, calldataload(add(pubSignals, 1024)))
                
                g1_mulAccC(_pVk, IC34x, IC34y, calldataload(add(pubSignals, 1056)))
                
                g1_mulAccC(_pVk, IC35x, IC35y, calldataload(add(pubSignals, 1088)))
                
                g1_mulAccC(_pVk, IC36x, IC36y, calldataload(add(pubSignals, 1120)))
                
                g1_mulAccC(_pVk, IC37x, IC37y, calldataload(add(pubSignals, 1152)))
                
                g1_mulAccC(_pVk, IC38x, IC38y, calldataload(add(pubSignals, 1184)))
                
                g1_mulAccC(_pVk, IC39x, IC39y, calldataload(add(pubSignals, 1216)))
                
                g1_mulAccC(_pVk, IC40x, IC40y, calldataload(add(pubSignals, 1248)))
                
                g1_mulAccC(_pVk, IC41x, IC41y, calldataload(add(pubSignals, 1280)))
                
                g1_mulAccC(_pVk, IC42x, IC42y, calldataload(add(pubSignals, 1312)))
                
                g1_mulAccC(_pVk, IC43x, IC43y, calldataload(add(pubSignals, 1344)))
                
                g1_mulAccC(_pVk, IC44x, IC44y, calldataload(add(pubSignals, 1376)))
                
                g1_mulAccC(_pVk, IC45x, IC45y, calldataload(add(pubSignals, 1408)))
                
                g1_mulAccC(_pVk, IC46x, IC46y, calldataload(add(pubSignals, 1440)))
                
                g1_mulAccC(_pVk, IC47x, IC47y, calldataload(add(pubSignals, 1472)))
                
                g1_mulAccC(_pVk, IC48x, IC48y, calldataload(add(pubSignals, 1504)))
                
                g1_mulAccC(_pVk, IC49x, IC49y, calldataload(add(pubSignals, 1536)))
                
                g1_mulAccC(_pVk, IC50x, IC50y, calldataload(add(pubSignals, 1568)))
                
                g1_mulAccC(_pVk, IC51x, IC51y, calldataload(add(pubSignals, 1600)))
                
                g1_mulAccC(_pVk, IC52x, IC52y, calldataload(add(pubSignals, 1632)))
                
                g1_mulAccC(_pVk, IC53x, IC53y, calldataload(add(pubSignals, 1664)))
                
                g1_mulAccC(_pVk, IC54x, IC54y, calldataload(add(pubSignals, 1696)))
                
                g1_mulAccC(_pVk, IC55x, IC55y, calldataload(add(pubSignals, 1728)))
                
                g1_mulAccC(_pVk, IC56x, IC56y, calldataload(add(pubSignals, 1760)))
                
                g1_mulAccC(_pVk, IC57x, IC57y, calldataload(add(pubSignals, 1792)))
                
                g1_mulAccC(_pVk, IC58x, IC58y, calldataload(add(pubSignals, 1824)))
                
                g1_mulAccC(_pVk, IC59x, IC59y, calldataload(add(pubSignals, 1856)))
                
                g1_mulAccC(_pVk, IC60x, IC60y, calldataload(add(pubSignals, 1888)))
                
                g1_mulAccC(_pVk, IC61x, IC61y, calldataload(add(pubSignals, 1920)))
                
                g1_mulAccC(_pVk, IC62x, IC62y, calldataload(add(pubSignals, 1952)))
                
                g1_mulAccC(_pVk, IC63x, IC63y, calldataload(add(pubSignals, 1984)))
                
                g1_mulAccC(_pVk, IC64x, IC64y, calldataload(add(pubSignals, 2016)))
                
                g1_mulAccC(_pVk, IC65x, IC65y, calldataload(add(pubSignals, 2048)))
                
                g1_mulAccC(_pVk, IC66x, IC66y, calldataload(add(pubSignals, 2080)))
                
                g1_mulAccC(_pVk, IC67x, IC67y, calldataload(add(pubSignals, 2112)))
                

                // -A
                mstore(_pPairing, calldataload(pA))
                mstore(add(_pPairing, 32), mod(sub(q, calldataload(add(pA, 32))), q))

                // B
                mstore(add(_pPairing, 64), calldataload(pB))
                mstore(add(_pPairing, 96), calldataload(add(pB, 32)))
                mstore(add(_pPairing, 128), calldataload(add(pB, 64)))
                mstore(add(_pPairing, 160), calldataload(add(pB, 96)))

                // alpha1
                mstore(add(_pPairing, 192), alphax)
                mstore(add(_pPairing, 224), alphay)

                // beta2
                mstore(add(_pPairing, 256), betax1)
                mstore(add(_pPairing, 288), betax2)
                mstore(add(_pPairing, 320), betay1)
                mstore(add(_pPairing, 352), betay2)

                // vk_x
                mstore(add(_pPairing, 384), mload(add(pMem, pVk)))
                mstore(add(_pPairing, 416), mload(add(pMem, add(pVk, 32))))


                // gamma2
                mstore(add(_pPairing, 448), gammax1)
                mstore(add(_pPairing, 480), gammax2)
                mstore(add(_pPairing, 512), gammay1)
                mstore(add(_pPairing, 544), gammay2)

                // C
                mstore(add(_pPairing, 576), calldataload(pC))
                mstore(add(_pPairing, 608), calldataload(add(pC, 32)))

                // delta2
                mstore(add(_pPairing, 640), deltax1)
                mstore(add(_pPairing, 672), deltax2)
                mstore(add(_pPairing, 704), deltay1)
                mstore(add(_pPairing, 736), deltay2)


                let success := staticcall(sub(gas(), 2000), 8, _pPairing, 768, _pPairing, 0x20)

                isOk := and(success, mload(_pPairing))
            }

            let pMem := mload(0x40)
            mstore(0x40, add(pMem, pLastMem))

            // Validate that all evaluations ∈ F
            
            checkField(calldataload(add(_pubSignals, 0)))
            
            checkField(calldataload(add(_pubSignals, 32)))
            
            checkField(calldataload(add(_pubSignals, 64)))
            
            checkField(calldataload(add(_pubSignals, 96)))
            
            checkField(calldataload(add(_pubSignals, 128)))
            
            checkField(calldataload(add(_pubSignals, 160)))
            
            checkField(calldataload(add(_pubSignals, 192)))
            
            checkField(calldataload(add(_pubSignals, 224)))
            
            checkField(calldataload(add(_pubSignals, 256)))
            
            checkField(calldataload(add(_pubSignals, 288)))
            
            checkField(calldataload(add(_pubSignals, 320)))
            
            checkField(calldataload(add(_pubSignals, 352)))
            
            checkField(calldataload(add(_pubSignals, 384)))
            
            checkField(calldataload(add(_pubSignals, 416)))
            
            checkField(calldataload(add(_pubSignals, 448)))
            
            checkField(calldataload(add(_pubSignals, 480)))
            
            checkField(calldataload(add(_pubSignals, 512)))
            
            checkField(calldataload(add(_pubSignals, 544)))
            
            checkField(calldataload(add(_pubSignals, 576)))
            
            checkField(calldataload(add(_pubSignals, 608)))
            
            checkField(calldataload(add(_pubSignals, 640)))
            
            checkField(calldataload(add(_pubSignals, 672)))
            
            checkField(calldataload(add(_pubSignals, 704)))
            
            checkField(calldataload(add(_pubSignals, 736)))
            
            checkField(calldataload(add(_pubSignals, 768)))
            
            checkField(calldataload(add(_pubSignals, 800)))
            
            checkField(calldataload(add(_pubSignals, 832)))
            
            checkField(calldataload(add(_pubSignals, 864)))
            
            checkField(calldataload(add(_pubSignals, 896)))
            
            checkField(calldataload(add(_pubSignals, 928)))
            
            checkField(calldataload(add(_pubSignals, 960)))
            
            checkField(calldataload(add(_pubSignals, 992)))
            
            checkField(calldataload(add(_pubSignals, 1024)))
            
            checkField(calldataload(add(_pubSignals, 1056)))
            
            checkField(calldataload(add(_pubSignals, 1088)))
            
            checkField(calldataload(add(_pubSignals, 1120)))
            
            checkField(calldataload(add(_pubSignals, 1152)))
            
            checkField(calldataload(add(_pubSignals, 1184)))
            
            checkField(calldataload(add(_pubSignals, 1216)))
            
            checkField(calldataload(add(_pubSignals, 1248)))
            
            checkField(calldataload(add(_pubSignals, 1280)))
            
            checkField(calldataload(add(_pubSignals, 1312)))
            
            checkField(calldataload(add(_pubSignals, 1344)))
            
            checkField(calldataload(add(_pubSignals, 1376)))
            
            checkField(calldataload(add(_pubSignals, 1408)))
            
            checkField(calldataload(add(_pubSignals, 1440)))
            
            checkField(calldataload(add(_pubSignals, 1472)))
            
            checkField(calldataload(add(_pubSignals, 1504)))
            
            checkField(calldataload(add(_pubSignals, 1536)))
            
            checkField(calldataload(add(_pubSignals, 1568)))
            
            checkField(calldataload(add(_pubSignals, 1600)))
            
            checkField(calldataload(add(_pubSignals, 1632)))
            
            checkField(calldataload(add(_pubSignals, 1664)))
            
            checkField(calldataload(add(_pubSignals, 1696)))
            
            checkField(calldataload(add(_pubSignals, 1728)))
            
            checkField(calldataload(add(_pubSignals, 1760)))
            
            checkField(calldataload(add(_pubSignals, 1792)))
            
            checkField(calldataload(add(_pubSignals, 1824)))
            
            checkField(calldataload(add(_pubSignals, 1856)))
            
            checkField(calldataload(add(_pubSignals, 1888)))
            
            checkField(calldataload(add(_pubSignals, 1920)))
            
            checkField(calldataload(add(_pubSignals, 1952)))
            
            checkField(calldataload(add(_pubSignals, 1984)))
            
            checkField(calldataload(add(_pubSignals, 2016)))
            
            checkField(calldataload(add(_pubSignals, 2048)))
            
            checkField(calldataload(add(_pubSignals, 2080)))
            
            checkField(calldataload(add(_pubSignals, 2112)))
            

            // Validate all evaluations
            let isValid := checkPairing(_pA, _pB, _pC, _pubSignals, pMem)

            mstore(0, isValid)
             return(0, 0x20)
         }
     }
 }
